/** What a local server listens on and with: free TCP ports on 127.0.0.1, and TLS files for its TLS listeners. */
import net from 'node:net';

/** PEM files for a TLS listener (the caller makes them: chatbench ships no certificates). */
export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** `count` distinct free ports (bind port 0, read it back, release; held together while chosen, so they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}
