import { createServer } from 'node:net';

/**
 * Asks the kernel for a free TCP port on `host`. Another process may take it
 * before the caller binds it; callers that can, retry on "address already in use".
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolvePort(address.port);
        else reject(new Error(`could not read the port bound on ${host}`));
      });
    });
  });
}

/** True when something accepts connections on host:port. */
export function isPortInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolveInUse) => {
    const server = createServer();
    server.once('error', () => resolveInUse(true));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolveInUse(false)));
  });
}
