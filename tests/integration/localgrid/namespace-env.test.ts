// The simulated node checks a MinIO container's TLOG / MASTER (docs/protocol.md#minio-environment,
// docs/protocol.md#tlog-and-master): sealed, one namespace:password@[ip]:port, naming a 0-db
// namespace deployed on this grid for the same user, with its reported address and its password.
import {
  container,
  createReservation,
  dataReservation,
  http,
  network,
  registerUser,
  sealFor,
  waitFor,
  waitResults,
  zdb,
  useGrid,
} from "./helpers";
import type { Data, NodeInfo, TestUser } from "./helpers";

const fx = useGrid();
let A: NodeInfo;
let B: NodeInfo;
/** The TLOG namespace of fx.user on B: its gwid and reported address. */
let tlog: { ns: string; ip: string; port: number };
/** A namespace of another user. */
let theirs: { ns: string; ip: string; port: number };

async function deployZdb(user: TestUser, node: NodeInfo): Promise<typeof tlog> {
  const rid = await createReservation(
    fx.url,
    user,
    dataReservation(user, { zdbs: [zdb(node, 1)] }), // password "zdb-secret"
  );
  const r = await waitResults(fx.url, rid, 1);
  expect(r.results[0]).toMatchObject({ state: 1 });
  const data = r.results[0].data_json as { Namespace: string; IP: string; Port: number };
  return { ns: data.Namespace, ip: data.IP, port: data.Port };
}

beforeAll(async () => {
  A = fx.all[5];
  B = fx.all[6];
  const net = await createReservation(
    fx.url,
    fx.user,
    dataReservation(fx.user, {
      networks: [network("tlognet", 1, [{ node: A, subnet: "172.20.5.0/24", port: 7200 }])],
    }),
  );
  expect((await waitResults(fx.url, net, 1)).results.map((r) => r.state)).toEqual([1]);
  tlog = await deployZdb(fx.user, B);
  theirs = await deployZdb(await registerUser(fx.url), B);
});

let ip = 10;
/** A MinIO container on A with `secret` sealed to A and `clear` in the clear env. */
function minio(secret: Record<string, string>, clear: Record<string, string> = {}): Data {
  const sealed = Object.fromEntries(
    Object.entries({ SHARDS: "ns:pw@[::1]:9900", ...secret }).map(([k, v]) => [
      k,
      sealFor(A.public_key_hex, v),
    ]),
  );
  return container(A, 1, "tlognet", `172.20.5.${ip++}`, {
    environment: { DATA: "4", PARITY: "2", ...clear },
    secret_environment: sealed,
  });
}

/** Deploys one container; its single result (state and message). */
async function deploy(c: Data): Promise<{ rid: number; state: number; message: string }> {
  const rid = await createReservation(
    fx.url,
    fx.user,
    dataReservation(fx.user, { containers: [c] }),
  );
  const res = await waitFor("the container's result", async () => {
    const r = (await http("GET", `${fx.url}/reservations/${rid}`)).body;
    return r.results[0] as { state: number; message: string } | undefined;
  });
  return { rid, state: res.state, message: res.message };
}

const address = (t: typeof tlog, password = "zdb-secret") =>
  `${t.ns}:${password}@[${t.ip}]:${t.port}`;

describe("TLOG / MASTER in a container's secret env", () => {
  it("accepts a TLOG on the primary and the same address as MASTER on a standby", async () => {
    expect(tlog.ip).toMatch(/:/);
    expect(tlog.port).toBe(9900);
    const primary = await deploy(minio({ TLOG: address(tlog) }));
    expect([primary.state, primary.message]).toEqual([1, ""]);
    const standby = await deploy(minio({ MASTER: address(tlog) }));
    expect([standby.state, standby.message]).toEqual([1, ""]);
  });

  const refusals: [string, () => Data, (rid: number) => string][] = [
    [
      "TLOG in the clear environment",
      () => minio({}, { TLOG: address(tlog) }),
      (rid) =>
        `container ${rid}-1: TLOG is in environment, which the explorer stores in clear text, and it holds a 0-db password; put it in secret_environment, sealed to the node's key`,
    ],
    [
      "a list instead of one address",
      () => minio({ TLOG: `${address(tlog)},${address(tlog)}` }),
      (rid) =>
        `container ${rid}-1: secret_environment TLOG is not one namespace:password@[ip]:port (MinIO reads exactly one 0-db address there); use the TLOG namespace's endpoint`,
    ],
    [
      "a namespace that is not deployed",
      () => minio({ MASTER: address({ ...tlog, ns: "999-1" }) }),
      (rid) =>
        `container ${rid}-1: secret_environment MASTER names namespace "999-1", which is not a 0-db namespace deployed on this grid; deploy the TLOG namespace first and use its endpoint`,
    ],
    [
      "another user's namespace",
      () => minio({ TLOG: address(theirs) }),
      (rid) =>
        `container ${rid}-1: secret_environment TLOG names namespace "${theirs.ns}" of another user; use a namespace of your own`,
    ],
    [
      "the wrong port",
      () => minio({ TLOG: address({ ...tlog, port: 9901 }) }),
      (rid) =>
        `container ${rid}-1: secret_environment TLOG gives [${tlog.ip}]:9901 for namespace "${tlog.ns}", but it listens on [${tlog.ip}]:9900 (node ${B.node_id}); use the endpoint the namespace reported`,
    ],
    [
      "the wrong password",
      () => minio({ MASTER: address(tlog, "guess") }),
      (rid) =>
        `container ${rid}-1: secret_environment MASTER has the wrong password for namespace "${tlog.ns}"; use the password the namespace was deployed with`,
    ],
  ];

  it.each(refusals)("refuses %s, naming the key and the fix", async (_name, make, message) => {
    const r = await deploy(make());
    expect([r.state, r.message]).toEqual([0, message(r.rid)]);
  });
});
