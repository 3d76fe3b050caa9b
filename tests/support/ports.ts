import * as net from "net";

/**
 * A loopback port this process opened and closed again, for tests of an unreachable explorer:
 * unlike a fixed port (8080, 9, 1), nothing else on the machine is known to listen there.
 */
export async function closedLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
