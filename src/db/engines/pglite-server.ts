// PGlite served over TCP (npm run db:serve), one client's turn at a time.
// PGlite has a single PostgreSQL session, which @electric-sql/pglite-socket shares among all client
// connections. Version 0.2.17 queues each protocol message on its own and keeps only an open
// transaction to one connection: outside a transaction, the Parse, Bind, Execute and Sync of two
// clients can interleave, and one client's Bind then binds the other's unnamed statement, so it
// runs the other's SQL with its own parameters (tests/embedded-lock.test.ts shows it). Here a
// client keeps the session from its first message until PostgreSQL answers ReadyForQuery "idle":
// after its Sync or simple Query, and after the end of any transaction it opened.
// A startup packet PGlite would answer with FATAL (no user name) ends its one session for good: every
// later connection failed until db:serve restarted. Such packets are refused here, before PGlite sees
// them, with the error PostgreSQL gives; each refused or failed client is logged in one line.
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer, type PGLiteSocketServerOptions } from '@electric-sql/pglite-socket';

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: Error) => void;
}

const TERMINATE = 0x58; // 'X'
const READY_FOR_QUERY = 0x5a; // 'Z'
const IDLE = 0x49; // 'I'
/** Sync: ends an unfinished extended-protocol sequence (and the "skip until Sync" state after an error). */
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

const PROTOCOL_3 = 196608;

/** The parameters of a startup packet (int32 length, int32 protocol, then name\0value\0 pairs, \0). */
export function startupParameters(message: Uint8Array): Map<string, string> | null {
  const buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  if (buf.length < 9 || buf.readInt32BE(4) !== PROTOCOL_3 || buf.readInt32BE(0) !== buf.length) return null;
  const parts = buf.subarray(8).toString('utf8').split('\0');
  // Well formed: pairs, then the empty name that ends the list, then nothing (split leaves one '').
  if (parts.length < 2 || parts.at(-1) !== '' || parts.at(-2) !== '' || (parts.length - 2) % 2 !== 0) return null;
  const params = new Map<string, string>();
  for (let i = 0; i + 1 < parts.length - 2; i += 2) params.set(parts[i], parts[i + 1]);
  return params;
}

/** Why PGlite must not see this startup packet, or null if it may. */
export function startupProblem(message: Uint8Array): string | null {
  const params = startupParameters(message);
  if (!params) return 'malformed startup packet';
  if (!params.get('user')) return 'no PostgreSQL user name specified in startup packet';
  return null;
}

/** A FATAL ErrorResponse, as PostgreSQL sends it for a refused startup. */
function fatal(sqlstate: string, text: string): Uint8Array {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${sqlstate}\0M${text}\0\0`, 'utf8');
  const message = Buffer.alloc(5 + fields.length);
  message[0] = 0x45; // 'E'
  message.writeInt32BE(4 + fields.length, 1);
  fields.copy(message, 5);
  return message;
}

/** One line per failed client on stderr: db:serve keeps serving, and says why one client failed. */
export type ServeLogger = (line: string) => void;
const defaultLogger: ServeLogger = (line) => console.error(`db:serve: ${line}`);

function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const message = Buffer.alloc(5 + text.length);
  message[0] = 0x51; // 'Q'
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}

/** Follows the framing of the backend's reply (type byte, int32 length) to find its last message. */
class ReplyTracker {
  private header = Buffer.alloc(0);
  private remaining = 0; // body bytes of the current message still to come
  private type = 0;
  private firstBodyByte = -1;
  bytes = 0;
  lastType = 0;
  lastFirstByte = -1;

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        if (this.firstBodyByte < 0) this.firstBodyByte = chunk[i];
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.finish();
        continue;
      }
      const need = 5 - this.header.length;
      this.header = Buffer.concat([this.header, chunk.subarray(i, i + need)]);
      i += Math.min(need, chunk.length - i);
      if (this.header.length < 5) break;
      this.type = this.header[0];
      this.remaining = this.header.readInt32BE(1) - 4;
      this.header = Buffer.alloc(0);
      this.firstBodyByte = -1;
      if (this.remaining === 0) this.finish();
    }
  }

  private finish(): void {
    this.lastType = this.type;
    this.lastFirstByte = this.firstBodyByte;
  }

  /** The reply ended with ReadyForQuery "idle": the client's turn is over. */
  get idle(): boolean {
    return this.remaining === 0 && this.header.length === 0 && this.lastType === READY_FOR_QUERY && this.lastFirstByte === IDLE;
  }
}

/**
 * Stands in for pglite-socket's internal QueryQueueManager, with the four methods its connection
 * handlers and server call: enqueue, getQueueLength, clearQueueForHandler, clearTransactionIfNeeded.
 */
class TurnQueue {
  private queue: Pending[] = [];
  /** The connection whose turn it is; null when the session is idle. */
  private owner: number | null = null;
  private running = false;
  /** Connections whose startup packet has been accepted. */
  private started = new Set<number>();

  constructor(
    private readonly db: PGlite,
    private readonly log: ServeLogger,
  ) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    if (!this.started.has(handlerId)) {
      // A connection's first message (after any SSLRequest, which pglite-socket answers) is its startup.
      const problem = startupProblem(message);
      if (problem) {
        this.log(`client #${handlerId} refused: ${problem}`);
        const reply = fatal(problem.startsWith('no PostgreSQL user') ? '28000' : '08P01', problem);
        onData(reply);
        return Promise.resolve(reply.length);
      }
      this.started.add(handlerId);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.run();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.started.delete(handlerId);
    this.queue = this.queue.filter((q) => {
      if (q.handlerId !== handlerId) return true;
      q.reject(new Error('Handler disconnected'));
      return false;
    });
  }

  /** A connection closed: if it was mid-turn, end its sequence and roll back its transaction. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    this.started.delete(handlerId);
    if (this.owner !== handlerId) return;
    this.log(`client #${handlerId} disconnected mid-request; its unfinished work was rolled back`);
    try {
      await this.db.runExclusive(async () => {
        await this.db.execProtocolRaw(SYNC);
        if (this.db.isInTransaction()) await this.db.execProtocolRaw(simpleQuery('ROLLBACK'));
      });
    } catch {
      // PGlite is closing (the server stops): there is no session left to clean
    } finally {
      this.owner = null;
      void this.run();
    }
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        // While a connection has its turn, only its messages run; the others wait in order.
        const index = this.owner === null ? 0 : this.queue.findIndex((q) => q.handlerId === this.owner);
        if (index < 0 || index >= this.queue.length) break; // its next message has not arrived yet
        const [item] = this.queue.splice(index, 1);
        const reply = new ReplyTracker();
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data) => {
                reply.push(data);
                item.onData(data);
              },
            }),
          );
        } catch (err) {
          this.owner = null;
          this.log(`client #${item.handlerId} failed: ${(err as Error).message.split('\n')[0]}`);
          item.reject(err as Error);
          continue;
        }
        // Terminate has no reply; a closing connection is cleaned up by clearTransactionIfNeeded.
        if (item.message[0] !== TERMINATE) this.owner = reply.idle ? null : item.handlerId;
        item.resolve(reply.bytes);
      }
    } finally {
      this.running = false;
    }
  }
}

/** pglite-socket's server with one connection's turn at a time (see the top of this file). */
export class PgliteTurnServer extends PGLiteSocketServer {
  constructor(options: PGLiteSocketServerOptions & { log?: ServeLogger }) {
    super(options);
    const internals = this as unknown as { queryQueue?: { enqueue?: unknown } };
    // The queue is private to pglite-socket (pinned at 0.2.17): fail loudly if a new version moved it.
    if (typeof internals.queryQueue?.enqueue !== 'function') {
      throw new Error('@electric-sql/pglite-socket changed: PgliteTurnServer cannot replace its query queue');
    }
    (internals as { queryQueue: unknown }).queryQueue = new TurnQueue(options.db, options.log ?? defaultLogger);
  }
}
