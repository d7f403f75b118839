// Opening connections to a server, shared by the node-postgres and Neon engines: every client gets the
// connect timeout, and a failure to connect becomes a one-line ConnectionError naming the server
// (src/db/errors.ts), whether it surfaces from createDb(), a pool query or the migrator.
import { type ConnectAttempt, connectionErrorOf } from '../errors.js';

/** What connecting needs of a node-postgres-style client: pg's own, or the copy bundled in Neon's driver. */
interface ConnectableClient {
  host: string;
  port: number;
  database?: string | null;
  user?: string | null;
  connect(callback?: (err: Error | null, client?: unknown) => void): unknown;
}

// A mixin's constructor must take any arguments (TS2545).
type ClientClass = new (...args: any[]) => ConnectableClient;

export interface ConnectOptions {
  /** Limit for one connection attempt: DNS, TCP, the startup exchange and authentication. */
  timeoutMs: number;
  /** How the driver reaches the server, for messages (e.g. "through WebSocket proxy 127.0.0.1:54330"). */
  via?: string;
}

/**
 * A client class whose connect() is limited to `timeoutMs` and fails with a ConnectionError.
 * The limit is the driver's connectionTimeoutMillis, which runs until the server is ready for queries,
 * so it also ends a server that accepts TCP and never answers the startup message. It is given to the
 * client only, not the pool, whose own connectionTimeoutMillis would also cap waiting for a busy pool.
 */
export function withConnectErrors<C extends ClientClass>(Base: C, options: ConnectOptions): C {
  return class extends Base {
    constructor(...args: any[]) {
      const [config] = args;
      const own = typeof config === 'string' ? { connectionString: config } : { ...config };
      // pg-pool hands clients its options with the password non-enumerable: the spread above drops it.
      if (config && typeof config === 'object' && config.password !== undefined) own.password = config.password;
      super({ ...own, connectionTimeoutMillis: options.timeoutMs });
    }

    override connect(callback?: (err: Error | null, client?: unknown) => void): unknown {
      // Started before the driver's timer of the same length, so it has fired when the driver gives up.
      let timedOut = false;
      const timer = setTimeout(() => (timedOut = true), options.timeoutMs);
      timer.unref?.();
      const attempt = (): ConnectAttempt => ({
        host: this.host,
        port: this.port,
        database: this.database,
        user: this.user,
        via: options.via,
        timeoutMs: options.timeoutMs,
        timedOut,
      });
      const typed = (err: unknown) => {
        clearTimeout(timer);
        return connectionErrorOf(err, attempt()) ?? err;
      };
      if (callback) {
        return super.connect((err, client) => (err ? callback(typed(err) as Error) : (clearTimeout(timer), callback(null, client))));
      }
      return (super.connect() as Promise<unknown>).then(
        (client) => (clearTimeout(timer), client),
        (err: unknown) => {
          throw typed(err);
        },
      );
    }
  };
}

/** Opens one connection of a new pool and returns it, so a wrong URL fails in createDb(), not at the first query. */
export async function checkPool(pool: { connect(): Promise<{ release(): void }>; end(): Promise<void> }): Promise<void> {
  try {
    (await pool.connect()).release();
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
}
