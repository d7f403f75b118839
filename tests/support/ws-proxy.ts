// A WebSocket-to-TCP proxy, for tests only: it lets the Neon serverless driver (which speaks the
// PostgreSQL protocol over WebSocket) reach an ordinary PostgreSQL server, the way Neon's own proxy
// does in production. Plain ws:// on loopback, no TLS. The driver asks for its server with
// ws://PROXY/?address=host:port (neonConfig.wsProxy = 'PROXY'); binary frames go to that TCP port
// as they are, and the server's bytes come back as binary frames.
//
//   node --import tsx tests/support/ws-proxy.ts [PORT]   prints "ws-proxy listening on 127.0.0.1:PORT"
//   then: NEON_WS_PROXY=127.0.0.1:PORT TEST_DATABASE_DRIVER=neon TEST_DATABASE_URL=... npm test
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { type RawData, WebSocket, WebSocketServer } from 'ws';

export interface WsProxy {
  /** host:port, the value of NEON_WS_PROXY. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * A PostgreSQL ErrorResponse message (severity FATAL), as Neon's proxy sends when it cannot reach the
 * server; the driver then fails its connect with this SQLSTATE and message instead of a bare close.
 */
function errorResponse(sqlstate: string, message: string): Buffer {
  const fields = Buffer.concat([
    ...[
      ['S', 'FATAL'],
      ['V', 'FATAL'],
      ['C', sqlstate],
      ['M', message],
    ].map(([type, value]) => Buffer.from(`${type}${value}\0`, 'utf8')),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0, 'ascii');
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

/** host:port from ?address=, or undefined when it is missing or malformed. */
function targetOf(requestUrl: string | undefined): { host: string; port: number } | undefined {
  const address = new URL(requestUrl ?? '/', 'ws://proxy').searchParams.get('address') ?? '';
  const m = /^(.+):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[2]) : NaN;
  return m && port > 0 && port < 65536 ? { host: m[1].replace(/^\[(.*)\]$/, '$1'), port } : undefined;
}

function pipe(socket: WebSocket, target: { host: string; port: number }): void {
  const tcp = net.connect(target);
  const early: Buffer[] = []; // frames that arrive before TCP is connected (the startup message)
  const toBuffer = (data: RawData) => (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer));
  socket.on('message', (data) => (tcp.connecting ? early.push(toBuffer(data)) : tcp.write(toBuffer(data))));
  tcp.on('connect', () => {
    for (const chunk of early.splice(0)) tcp.write(chunk);
  });
  tcp.on('data', (chunk) => socket.readyState === WebSocket.OPEN && socket.send(chunk, { binary: true }));
  tcp.on('error', (err: NodeJS.ErrnoException) => {
    if (socket.readyState !== WebSocket.OPEN) return;
    if (tcp.connecting || tcp.bytesRead === 0) {
      socket.send(errorResponse('08001', `WebSocket proxy could not connect to ${target.host}:${target.port} (${err.code ?? err.message})`), { binary: true });
    }
  });
  tcp.on('close', () => socket.close());
  socket.on('close', () => tcp.destroy());
  socket.on('error', () => tcp.destroy());
}

/** Starts the proxy on host:port (port 0 picks a free one). */
export async function startWsProxy(options: { host?: string; port?: number } = {}): Promise<WsProxy> {
  const host = options.host ?? '127.0.0.1';
  const server = new WebSocketServer({ host, port: options.port ?? 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.on('connection', (socket, request) => {
    const target = targetOf(request.url);
    if (!target) {
      socket.send(errorResponse('08001', 'WebSocket proxy: expected ?address=host:port'), { binary: true });
      socket.close();
      return;
    }
    pipe(socket, target);
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

// Run as a script: serve until SIGINT or SIGTERM.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.argv[2] ?? 0);
  const proxy = await startWsProxy({ port });
  console.log(`ws-proxy listening on ${proxy.address}`);
  const stop = () => void proxy.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
