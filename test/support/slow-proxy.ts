/**
 * A TCP proxy in front of a server that makes it look loaded: every answer is held back, and
 * `dropConnections()` cuts the open connections, as an overloaded server or load balancer does.
 * With `down` set it closes every connection as it opens, as a server that is down (then back).
 */
import net from 'node:net';

export interface SlowProxy {
  address: string;
  dropConnections(): void;
  /** While true, connections are closed as they open. */
  down: boolean;
  close(): Promise<void>;
}

export async function startSlowProxy(target: string, delayMs: number): Promise<SlowProxy> {
  const [host, port] = target.split(':');
  const sockets = new Set<net.Socket>();
  let down = false;
  const dropConnections = () => {
    for (const s of sockets) s.destroy();
  };
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(port), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      setTimeout(() => client.writable && client.write(chunk), delayMs);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('close', end);
    upstream.once('close', () => setTimeout(end, delayMs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: listening } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${listening}`,
    dropConnections,
    get down() {
      return down;
    },
    set down(value: boolean) {
      down = value;
      if (down) dropConnections();
    },
    close() {
      dropConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
