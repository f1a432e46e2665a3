/**
 * Ports for servers the tests start. A port picked free is bound a moment later, and another
 * program on the machine (another test run, another stack) may take it meanwhile: starts that lost
 * that race are tried again on fresh ports, never reported as failures.
 */
import net from 'node:net';

/** A port free right now (the kernel's pick); see retryOnTakenPort for binding it later. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whether a start failed because a port it was given is taken: Node's EADDRINUSE, Go's and
 * Postgres's "address already in use", and npm start's own check of its ports before it starts.
 */
export function portWasTaken(text: string): boolean {
  return /EADDRINUSE|address already in use|\) is already in use: is another/i.test(text);
}

/**
 * `start(attempt)` until it does not fail for a taken port (at most `attempts` times); `start`
 * picks fresh ports on each call.
 */
export async function retryOnTakenPort<T>(
  start: (attempt: number) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(attempt);
    } catch (err) {
      if (attempt >= attempts || !portWasTaken(String((err as Error)?.message ?? err))) throw err;
      console.log(`[ports] a port was taken before it was bound; starting again on fresh ports`);
    }
  }
}
