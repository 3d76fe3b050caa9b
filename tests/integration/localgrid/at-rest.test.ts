/**
 * What the grid keeps on disk after the reference-like workloads (0-db with a password,
 * container with secret environment, network with a WireGuard key): only the sealed boxes the
 * client sent, in files only its user can read.
 */
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  container,
  createReservation,
  dataReservation,
  http,
  network,
  nodes,
  registerUser,
  sealFor,
  startGridChild,
  waitResults,
  wgKey,
  zdb,
} from "./helpers";

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);
const stateText = (dir: string): string =>
  ["state.json", "state.wal"].map((f) => readFileSync(join(dir, f), "utf8")).join("\n");

describe("the grid's state files", () => {
  it("hold no secret in plain text, are 0600 in a 0700 dir, and an old plaintext file is rewritten", async () => {
    const dir = mkdtempSync(join(tmpdir(), "localgrid-at-rest-"));
    // A state file as earlier versions wrote it: opened secrets in plain text, world-readable.
    const legacySecret = "legacy-plaintext-zdb-password-77c1";
    writeFileSync(
      join(dir, "state.json"),
      JSON.stringify({
        version: 1,
        clockOffsetSeconds: 0,
        userCounter: 0,
        users: [],
        reservationCounter: 0,
        reservations: [],
        queues: {},
        nodes: {},
        secrets: { "1-1": { password: legacySecret } },
      }),
      { mode: 0o644 },
    );
    chmodSync(join(dir, "state.json"), 0o644);
    chmodSync(dir, 0o755);

    let grid = await startGridChild(dir, ["--expose-secrets-for-tests"]);
    try {
      expect({ dir: mode(dir), file: mode(join(dir, "state.json")) }).toEqual({
        dir: "700",
        file: "600",
      });
      expect(readFileSync(join(dir, "state.json"), "utf8")).not.toContain(legacySecret);

      const all = await nodes(grid.url);
      const [node, zdbNode] = [all[0], all[9]];
      const user = await registerUser(grid.url);
      const secrets = {
        wireguard: wgKey(),
        zdbPassword: "zdb-password-3c9e41d07b",
        shards: "10-1:5f0e9a1c@[2a04::1]:9900,11-1:77d2b3e4@[2a04::2]:9900",
        minioSecretKey: "minio-secret-key-c44f2a90",
      };
      const netRid = await createReservation(
        grid.url,
        user,
        dataReservation(user, {
          networks: [
            network("atrest", 1, [
              {
                node,
                subnet: "172.20.3.0/24",
                port: 7011,
                key: sealFor(node.public_key_hex, secrets.wireguard),
              },
            ]),
          ],
        }),
      );
      expect((await waitResults(grid.url, netRid, 1)).results[0].state).toBe(1);
      const rid = await createReservation(
        grid.url,
        user,
        dataReservation(user, {
          zdbs: [
            zdb(zdbNode, 1, { password: sealFor(zdbNode.public_key_hex, secrets.zdbPassword) }),
          ],
          containers: [
            container(node, 2, "atrest", "172.20.3.9", {
              secret_environment: {
                SHARDS: sealFor(node.public_key_hex, secrets.shards),
                SECRET_KEY: sealFor(node.public_key_hex, secrets.minioSecretKey),
              },
            }),
          ],
        }),
      );
      const done = await waitResults(grid.url, rid, 2);
      expect(done.results.map((r) => r.state)).toEqual([1, 1]);
      // The nodes did open every secret (in memory)...
      const opened = async (gwid: string) =>
        JSON.stringify((await http("GET", `${grid.origin}/__localgrid/secrets/${gwid}`)).body);
      expect(await opened(`${netRid}-1`)).toContain(secrets.wireguard);
      expect(await opened(`${rid}-1`)).toContain(secrets.zdbPassword);
      expect(await opened(`${rid}-2`)).toContain(secrets.minioSecretKey);

      // ...and the files, while running (the log) and after a stop (the snapshot), hold the
      // reservations but none of the secrets.
      const check = (when: string): void => {
        const text = stateText(dir);
        expect(text).toContain(`"customer_tid":${user.tid}`);
        expect(text).toContain(`"id":${rid}`);
        for (const [what, value] of Object.entries({ ...secrets, legacySecret }))
          expect({ when, what, found: text.includes(value) }).toEqual({ when, what, found: false });
        expect({
          when,
          dir: mode(dir),
          json: mode(join(dir, "state.json")),
          wal: mode(join(dir, "state.wal")),
        }).toEqual({ when, dir: "700", json: "600", wal: "600" });
      };
      check("running");
      expect(await grid.stop()).toBe(0);
      check("stopped");

      // Without the test flag the secrets route does not exist.
      grid = await startGridChild(dir);
      expect((await http("GET", `${grid.origin}/__localgrid/secrets/${rid}-1`)).status).toBe(404);
      expect((await http("GET", `${grid.url}/reservations/${rid}`)).body.results).toHaveLength(2);
    } finally {
      await grid.stop();
    }
  });
});
