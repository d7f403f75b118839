// Section 1: audit_log appends per second through the hash-chain trigger, against the same inserts
// into audit_log_plain, an identical table without the trigger. Each writer has its own connection
// and sends autocommit single-row parameterized inserts; rounds alternate which table goes first, and
// the median round is reported.
import pg from 'pg';
import { fixed, int, median, seconds } from './measure.js';

const FILLER_HASH = 'ab'.repeat(32); // a plausible 64-hex value for the plain copy's CHECKs

export const PLAIN_TABLE_NOTE =
  'audit_log_plain = create table (like audit_log including all): same columns, defaults, CHECKs and indexes, ' +
  'no triggers. Its CHECKs are kept; chain_position comes from a sequence (starting after the copied rows, >= 2) ' +
  'and previous_hash / record_hash default to a constant 64-hex string, so every CHECK passes as on the chain.';

export interface AppendScenario {
  writers: number;
  perWriter: number;
  plainRates: number[];
  chainedRates: number[];
  plain: number;
  chained: number;
  ratio: number;
}

/** Creates audit_log_plain, holding a copy of audit_log's rows so both tables start the same size. */
export async function createPlainTable(client: pg.Client): Promise<number> {
  await client.query('create table audit_log_plain (like audit_log including all)');
  await client.query('insert into audit_log_plain select * from audit_log');
  await client.query('create sequence audit_log_plain_position_seq owned by audit_log_plain.chain_position');
  await client.query(
    "select setval('audit_log_plain_position_seq', greatest(2, coalesce((select max(chain_position) from audit_log_plain), 0) + 1), false)",
  );
  await client.query(`alter table audit_log_plain
      alter column chain_position set default nextval('audit_log_plain_position_seq'),
      alter column previous_hash set default '${FILLER_HASH}',
      alter column record_hash set default '${FILLER_HASH}'`);
  await client.query('vacuum analyze audit_log_plain');
  const { rows } = await client.query<{ n: string }>('select count(*)::text as n from audit_log_plain');
  return Number(rows[0].n);
}

export async function openWriters(url: string, count: number): Promise<pg.Client[]> {
  const clients = Array.from({ length: count }, () => new pg.Client({ connectionString: url, application_name: 'nexdrive-bench-writer' }));
  await Promise.all(clients.map((c) => c.connect()));
  return clients;
}

/** Every writer sends `perWriter` inserts one after another; returns the wall time of the slowest. */
export async function appendAll(clients: pg.Client[], table: string, perWriter: number, tag: string): Promise<number> {
  const text = `insert into ${table} (event_type, details) values ($1, $2)`;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, writer) => {
      for (let i = 0; i < perWriter; i++) {
        await client.query(text, ['BENCH_APPEND', JSON.stringify({ tag, writer, i })]);
      }
    }),
  );
  return seconds(started);
}

export async function benchAppends(
  url: string,
  writers: number,
  perWriter: number,
  rounds: number,
  warmupPerWriter: number,
): Promise<AppendScenario> {
  const clients = await openWriters(url, writers);
  try {
    await appendAll(clients, 'audit_log_plain', warmupPerWriter, 'warmup');
    await appendAll(clients, 'audit_log', warmupPerWriter, 'warmup');
    const plainRates: number[] = [];
    const chainedRates: number[] = [];
    const total = writers * perWriter;
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? (['audit_log_plain', 'audit_log'] as const) : (['audit_log', 'audit_log_plain'] as const);
      for (const table of order) {
        const rate = total / (await appendAll(clients, table, perWriter, `round${r}`));
        (table === 'audit_log' ? chainedRates : plainRates).push(rate);
      }
      console.log(
        `  ${writers} writer(s), round ${r + 1}/${rounds}: plain ${int(plainRates[r]).padStart(7)} rows/s, ` +
          `chained ${int(chainedRates[r]).padStart(7)} rows/s, ratio ${fixed(chainedRates[r] / plainRates[r])}`,
      );
    }
    const plain = median(plainRates);
    const chained = median(chainedRates);
    return { writers, perWriter, plainRates, chainedRates, plain, chained, ratio: chained / plain };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}
