// A TCP proxy that adds a fixed delay to every round trip, for the benchmark's round-trip section
// (bench/roundtrips.ts) and anyone who wants to feel a network between the application and PostgreSQL:
// production runs on Neon, where each statement of an interactive transaction crosses the network.
// Bytes from the client are held `delayMs` before they go on to the server; the server's answer comes
// straight back. node-postgres sends one statement per write and waits for its answer, so each
// statement costs one delay. Listens on loopback only; no TLS (connect with sslmode=disable).
//
//   node --import tsx tests/support/delay-proxy.ts HOST:PORT [DELAY_MS] [LISTEN_PORT]
//   prints "delay-proxy listening on 127.0.0.1:PORT (+2 ms per round trip to HOST:PORT)"
import net from 'node:net';
import { pathToFileURL } from 'node:url';

export interface DelayProxy {
  readonly host: string;
  readonly port: number;
  readonly delayMs: number;
  close(): Promise<void>;
}

function pipe(client: net.Socket, target: { host: string; port: number }, delayMs: number): void {
  const server = net.connect(target);
  client.setNoDelay(true);
  server.setNoDelay(true);
  // Timers of one duration fire in the order they were set, so chunks keep their order; `net.Socket`
  // buffers writes made before it has connected.
  client.on('data', (chunk) => {
    setTimeout(() => {
      if (!server.destroyed) server.write(chunk);
    }, delayMs);
  });
  server.on('data', (chunk) => {
    if (!client.destroyed) client.write(chunk);
  });
  const end = () => {
    client.destroy();
    server.destroy();
  };
  // Closing is delayed too, so a Terminate message sent just before it still reaches the server.
  client.on('close', () => setTimeout(end, delayMs));
  server.on('close', end);
  client.on('error', end);
  server.on('error', end);
}

/** Starts a proxy on 127.0.0.1 (port 0: a free one) in front of `target`. */
export async function startDelayProxy(target: { host: string; port: number }, delayMs: number, port = 0): Promise<DelayProxy> {
  if (!(delayMs >= 0)) throw new Error(`delay-proxy: delay must be a number of milliseconds >= 0, got ${delayMs}`);
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    pipe(socket, target, delayMs);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, '127.0.0.1', () => resolve());
  });
  const address = listener.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port: address.port,
    delayMs,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        listener.close(() => resolve());
      }),
  };
}

/** The proxy's target from a postgres:// URL: a TCP host and port (a Unix socket cannot be proxied). */
export function tcpTargetOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  if (!parsed.hostname || parsed.searchParams.get('host')?.startsWith('/')) {
    throw new Error('delay-proxy: the server must be reached over TCP (host:port), not through a Unix socket');
  }
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port || 5432) };
}

/** The same URL, pointed at the proxy. */
export function throughProxy(url: string, proxy: DelayProxy): string {
  const parsed = new URL(url);
  parsed.hostname = proxy.host;
  parsed.port = String(proxy.port);
  return parsed.toString();
}

// Run as a script: serve until SIGINT or SIGTERM.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const m = /^(.+):(\d{1,5})$/.exec(process.argv[2] ?? '');
  if (!m) {
    console.error('usage: delay-proxy.ts HOST:PORT [DELAY_MS] [LISTEN_PORT]');
    process.exit(2);
  }
  const delayMs = Number(process.argv[3] ?? 2);
  const proxy = await startDelayProxy({ host: m[1], port: Number(m[2]) }, delayMs, Number(process.argv[4] ?? 0));
  console.log(`delay-proxy listening on ${proxy.host}:${proxy.port} (+${delayMs} ms per round trip to ${m[1]}:${m[2]})`);
  const stop = () => void proxy.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
