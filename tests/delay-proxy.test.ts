// The benchmark's delay proxy (tests/support/delay-proxy.ts, used by bench/roundtrips.ts): it must pass
// every byte through unchanged and in order, both ways, listen on loopback only, and point a URL at
// itself without changing anything else. (Its delay is not asserted: no timing assertions.)
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DelayProxy, startDelayProxy, tcpTargetOf, throughProxy } from './support/delay-proxy.js';

let echo: net.Server;
let proxy: DelayProxy;
beforeAll(async () => {
  echo = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  proxy = await startDelayProxy({ host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port }, 2);
});
afterAll(async () => {
  await proxy.close();
  await new Promise((resolve) => echo.close(resolve));
});

/** Sends `chunks` one write each and collects the echo until `expected` bytes came back. */
function roundTrip(chunks: Buffer[]): Promise<Buffer> {
  const expected = chunks.reduce((n, c) => n + c.length, 0);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port });
    const got: Buffer[] = [];
    let length = 0;
    socket.on('data', (d) => {
      got.push(d);
      length += d.length;
      if (length >= expected) {
        socket.end();
        resolve(Buffer.concat(got));
      }
    });
    socket.on('error', reject);
    for (const c of chunks) socket.write(c);
  });
}

describe('delay proxy', () => {
  it('passes bytes through unchanged and in order, many writes and large ones', async () => {
    const chunks = Array.from({ length: 200 }, (_, i) => Buffer.from(`chunk ${i};`));
    chunks.push(Buffer.alloc(1 << 20, 7)); // a megabyte: split by TCP, still in order
    const back = await roundTrip(chunks);
    expect(back.equals(Buffer.concat(chunks))).toBe(true);
  });

  it('serves several connections at once, each its own bytes', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => roundTrip([Buffer.from(`conn ${i} `.repeat(1000))])));
    results.forEach((r, i) => expect(r.toString()).toBe(`conn ${i} `.repeat(1000)));
  });

  it('listens on loopback only', () => {
    expect(proxy.host).toBe('127.0.0.1');
  });

  it('points a postgres URL at itself, keeping user, database and parameters', () => {
    const url = 'postgres://app:secret@db.example.com:6543/nexdrive?sslmode=disable';
    expect(tcpTargetOf(url)).toEqual({ host: 'db.example.com', port: 6543 });
    expect(tcpTargetOf('postgres://u@localhost/db')).toEqual({ host: 'localhost', port: 5432 });
    const proxied = new URL(throughProxy(url, proxy));
    expect([proxied.hostname, proxied.port, proxied.username, proxied.password, proxied.pathname, proxied.search]).toEqual([
      '127.0.0.1', String(proxy.port), 'app', 'secret', '/nexdrive', '?sslmode=disable',
    ]);
  });

  it('refuses a Unix-socket URL and a negative delay', async () => {
    expect(() => tcpTargetOf('postgres:///db?host=/run/postgresql')).toThrow(/TCP/);
    await expect(startDelayProxy({ host: '127.0.0.1', port: 1 }, -1)).rejects.toThrow(/delay/);
  });
});
