import {
  allocateSubnets,
  freeSubnetFromTop,
  routingIp,
  SubnetError,
} from "../../provider/network/subnets";
import {
  buildPeers,
  nodeEndpoints,
  pickListenPort,
  wgQuickConfig,
} from "../../provider/network/wireguard";

describe("allocateSubnets", () => {
  const ipRange = "172.20.0.0/16";

  it("hands out /24s from x.y.1.0 in node order", () => {
    expect(allocateSubnets({ ipRange, nodes: ["a", "b", "c"] })).toEqual({
      a: "172.20.1.0/24",
      b: "172.20.2.0/24",
      c: "172.20.3.0/24",
    });
  });

  it("keeps previous subnets when a node is added (no renumbering)", () => {
    const previous = { a: "172.20.1.0/24", c: "172.20.3.0/24" };
    expect(allocateSubnets({ ipRange, nodes: ["n", "a", "c"], previous })).toEqual({
      n: "172.20.2.0/24",
      a: "172.20.1.0/24",
      c: "172.20.3.0/24",
    });
  });

  it("honours pins and reserved /24s", () => {
    expect(
      allocateSubnets({
        ipRange,
        nodes: ["a", "b"],
        pinned: { b: "172.20.15.0/24" },
        reserved: ["172.20.1.0/24"],
      }),
    ).toEqual({ a: "172.20.2.0/24", b: "172.20.15.0/24" });
  });

  it("rejects a pin outside the range and reports exhaustion", () => {
    expect(() => allocateSubnets({ ipRange, nodes: ["a"], pinned: { a: "10.1.2.0/24" } })).toThrow(
      new SubnetError("10.1.2.0/24 for node a is not a /24 of 172.20.0.0/16"),
    );
    const nodes = Array.from({ length: 255 }, (_, i) => `n${i}`);
    expect(() => allocateSubnets({ ipRange, nodes })).toThrow(
      "172.20.0.0/16 has no free /24 left for node n254",
    );
  });

  it("picks the access /24 from the top", () => {
    expect(freeSubnetFromTop(ipRange, ["172.20.254.0/24"])).toBe("172.20.253.0/24");
    expect(routingIp("172.20.15.0/24")).toBe("100.64.20.15");
  });
});

describe("WireGuard", () => {
  it("picks a deterministic port in 1000-8999 that the node does not use", () => {
    const p = pickListenPort("net", "node", []);
    expect(p).toBeGreaterThanOrEqual(1000);
    expect(p).toBeLessThanOrEqual(8999);
    expect(pickListenPort("net", "node", [])).toBe(p);
    expect(pickListenPort("net", "node", [p])).toBe(p === 8999 ? 1000 : p + 1);
  });

  it("finds public endpoints from public_config, else from interfaces", () => {
    expect(
      nodeEndpoints({
        node_id: "x",
        public_key_hex: "",
        public_config: { ipv4: "185.69.166.10/24", ipv6: "2a02:1802:5e::10/64" },
      }),
    ).toEqual({ ipv4: "185.69.166.10", ipv6: "2a02:1802:5e::10" });
    expect(
      nodeEndpoints({
        node_id: "x",
        public_key_hex: "",
        ifaces: [{ addrs: ["10.0.0.5/24", "fe80::1/64", "300:1::1/64", "2a02:2788::12/64"] }],
      }),
    ).toEqual({ ipv4: undefined, ipv6: "2a02:2788::12" });
  });

  it("builds the full mesh with the access /24 routed through the access node", () => {
    const peers = buildPeers(
      [
        {
          nodeId: "A",
          subnet: "172.20.15.0/24",
          publicKey: "kA",
          port: 7000,
          endpoints: { ipv4: "1.2.3.4", ipv6: "2a02::a" },
        },
        {
          nodeId: "B",
          subnet: "172.20.28.0/24",
          publicKey: "kB",
          port: 7001,
          endpoints: { ipv6: "2a02::b" },
        },
      ],
      { nodeId: "A", subnet: "172.20.254.0/24", publicKey: "kU" },
    );
    expect(peers).toEqual({
      A: [
        {
          public_key: "kB",
          allowed_iprange: ["172.20.28.0/24", "100.64.20.28/32"],
          endpoint: "[2a02::b]:7001",
          iprange: "172.20.28.0/24",
        },
        {
          public_key: "kU",
          allowed_iprange: ["172.20.254.0/24", "100.64.20.254/32"],
          endpoint: "",
          iprange: "172.20.254.0/24",
        },
      ],
      B: [
        {
          public_key: "kA",
          allowed_iprange: [
            "172.20.15.0/24",
            "100.64.20.15/32",
            "172.20.254.0/24",
            "100.64.20.254/32",
          ],
          endpoint: "[2a02::a]:7000",
          iprange: "172.20.15.0/24",
        },
      ],
    });
  });

  it("writes the wg-quick file", () => {
    expect(
      wgQuickConfig({
        accessSubnet: "172.20.100.0/24",
        privateKey: "PRIV=",
        nodePublicKey: "NODE=",
        ipRange: "172.20.0.0/16",
        endpoint: "185.69.166.10:8030",
      }),
    ).toBe(
      "[Interface]\nAddress = 100.64.20.100/32\nPrivateKey = PRIV=\n\n[Peer]\nPublicKey = NODE=\n" +
        "AllowedIPs = 172.20.0.0/16, 100.64.20.0/32\nPersistentKeepalive = 25\nEndpoint = 185.69.166.10:8030\n",
    );
  });
});
