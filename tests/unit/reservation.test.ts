import nacl from "tweetnacl";
import { generateMnemonic, identityFromMnemonic } from "../../provider/identity";
import { createBody, reservationData } from "../../provider/reservation";

describe("reservation body", () => {
  const identity = identityFromMnemonic(generateMnemonic(), 42);

  it("has every list, the delete quorum of the customer and the expiries", () => {
    expect(
      reservationData(
        42,
        { zdbs: [{ workload_id: 1 }] },
        { now: 1000, durationHours: 24, deployTimeoutSeconds: 600 },
      ),
    ).toEqual({
      description: "",
      currencies: ["TFT"],
      signing_request_provision: { signers: [], quorum_min: 0 },
      signing_request_delete: { signers: [42], quorum_min: 1 },
      containers: [],
      volumes: [],
      zdbs: [{ workload_id: 1 }],
      networks: [],
      kubernetes: [],
      proxies: [],
      reverse_proxies: [],
      subdomains: [],
      domain_delegates: [],
      gateway4to6: [],
      expiration_provisioning: 1000 + 600 + 60,
      // 24 h plus the one-minute margin that keeps a 1 h reservation above the explorer minimum.
      expiration_reservation: 1000 + 24 * 3600 + 60,
    });
  });

  it("signs the exact json and tags metadata", () => {
    const data = reservationData(42, {}, { now: 1, durationHours: 1, deployTimeoutSeconds: 1 });
    const body = createBody(identity, data, "pulumi-tfgrid:t");
    expect(JSON.parse(body.json)).toEqual(body.data_reservation);
    expect(body.metadata).toBe("pulumi-tfgrid:t");
    expect(
      nacl.sign.detached.verify(
        Buffer.from(body.json),
        Buffer.from(body.customer_signature, "hex"),
        identity.publicKey,
      ),
    ).toBe(true);
  });
});
