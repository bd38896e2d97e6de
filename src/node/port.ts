import { createServer } from 'node:net';

/** A listen failure in words an operator can act on (EADDRINUSE, EACCES, EADDRNOTAVAIL), else the error itself. */
export function listenError(err: unknown, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE')
    return new Error(
      `port ${port} on ${host} is already in use (another govshare node or another program listens on ${where}); ` +
        'stop it or choose another port with --port or PORT',
    );
  if (code === 'EACCES')
    return new Error(
      `not allowed to listen on ${where} (ports below 1024 need privileges); choose another with --port`,
    );
  if (code === 'EADDRNOTAVAIL')
    return new Error(`cannot listen on ${where}: ${host} is not an address of this machine; check --host or HOST`);
  return err instanceof Error ? err : new Error(String(err));
}

/** Checks that host:port can be listened on, before any long work (port 0, any free port, always can). */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err) => reject(listenError(err, host, port)));
    probe.listen({ host, port, exclusive: true }, () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
