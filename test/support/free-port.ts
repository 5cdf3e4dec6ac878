import { createServer } from 'node:net';

/** A port on this machine that nothing listens on now: bound by the OS's choice, then let go. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
