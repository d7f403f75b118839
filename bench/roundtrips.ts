// Section "roundtrips" (issue 20): what each operation costs in round trips. Production runs on Neon,
// where every statement of an interactive transaction crosses the network, so the number of statements
// an operation sends is its floor of latency. Every operation the access layer exports (found by its
// `operation` property, so a new one appears here the day it is exported) is called through its recipe
// (bench/recipes.ts), and the section prints:
//   - the statements it sent, BEGIN and COMMIT included, counted by the driver: every client.query()
//     of node-postgres is one round trip (it sends a statement's messages in one write and waits for
//     the answer before the next);
//   - its latency on a direct connection and through a local TCP proxy that holds each round trip
//     BENCH_RT_DELAY_MS (default 2) ms (tests/support/delay-proxy.ts), the median of BENCH_RT_CALLS
//     calls after one warm-up;
//   - the target (a read in at most 4 statements, a write in at most 6) and whether it is met.
// An operation without a recipe is listed as "no recipe" and counted. BENCH_RT_SQL=1 also prints the
// statements of each operation's last call. Runs as the owner of the bench database (the operations
// send the same statements as for nexdrive_app).
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as access from '../src/access/index.js';
import type { Actor, Operation, OperationKind, OperationName } from '../src/access/index.js';
import type { Database } from '../src/db/engines/handle.js';
import { openPostgres } from '../src/db/engines/postgres.js';
import * as schema from '../src/db/schema/index.js';
import { startDelayProxy, tcpTargetOf, throughProxy } from '../tests/support/delay-proxy.js';
import { fixed, median, positiveInt } from './measure.js';
import { recipeBook } from './recipes.js';
import type { SummaryRow } from './report.js';

const CALLS = positiveInt('BENCH_RT_CALLS', 3);
const DELAY_MS = Number(process.env.BENCH_RT_DELAY_MS ?? 2);
const SHOW_SQL = process.env.BENCH_RT_SQL === '1';
export const ROUND_TRIP_TARGETS: Readonly<Record<OperationKind, number>> = { read: 4, write: 6 };
/** The operations issue 20 measured on main (statements then: 14, 13, 9, 8, 7, 7, 6, 6), given a summary row each. */
const NAMED: OperationName[] = ['createBooking', 'redeemCredit', 'getStudentContext', 'confirmBooking', 'getStudentProgress', 'recordLesson', 'listBookings', 'listLessons'];

type AnyOperation = Operation<unknown, unknown>;

/** Every operation the access layer exports, in export order. */
export function exportedOperations(): AnyOperation[] {
  return (Object.values(access) as unknown[]).filter((v): v is AnyOperation => typeof v === 'function' && 'operation' in v);
}

/** The statements sent through one pool, in order. */
class StatementLog {
  texts: string[] = [];
  reset() {
    this.texts = [];
  }
}

/** A one-connection pool whose client logs every statement it sends; warmed, so no call pays a connect. */
async function countingDb(url: string, log: StatementLog): Promise<{ db: Database; pool: pg.Pool }> {
  class CountingClient extends pg.Client {
    // node-postgres' query() has many overloads; this one only records the text and passes everything on.
    override query(...args: unknown[]): never {
      const first = args[0] as string | { text?: string };
      log.texts.push(typeof first === 'string' ? first : (first?.text ?? '?'));
      return (super.query as (...a: unknown[]) => never)(...args);
    }
  }
  const pool = new pg.Pool({ connectionString: url, max: 1, Client: CountingClient as unknown as typeof pg.Client, application_name: 'nexdrive-bench-roundtrips' });
  pool.on('error', () => {});
  await pool.query('select 1');
  return { db: drizzle({ client: pool, schema }) as unknown as Database, pool };
}

interface Measured {
  name: OperationName;
  kind: OperationKind;
  as: string;
  /** Statements of each measured call through the proxy (they should all be equal). */
  statements: number[];
  directMs: number;
  proxiedMs: number;
  outcome: string;
  lastSql: string[];
}

interface Unmeasured {
  name: OperationName;
  kind: OperationKind;
  outcome: string;
}

function codeOf(err: unknown): string {
  return (err as { code?: string }).code ?? (err as Error).name ?? 'error';
}

export async function benchRoundTrips(url: string, heading: (text: string) => void): Promise<SummaryRow[]> {
  heading(`Round trips: each exported operation once per call, statements counted by the driver (BEGIN and COMMIT included), latency direct and through a proxy adding ${DELAY_MS} ms per round trip`);
  const setup = await openPostgres({ url, max: 2 });
  const proxy = await startDelayProxy(tcpTargetOf(url), DELAY_MS);
  const directLog = new StatementLog();
  const proxiedLog = new StatementLog();
  const direct = await countingDb(url, directLog);
  const proxied = await countingDb(throughProxy(url, proxy), proxiedLog);
  try {
    const { world, recipes } = await recipeBook(setup.db);
    const operations = exportedOperations();
    const measured: Measured[] = [];
    const unmeasured: Unmeasured[] = [];
    for (const op of operations) {
      const { name, kind } = op.operation;
      const recipe = recipes[name];
      if (!recipe) {
        unmeasured.push({ name, kind, outcome: 'no recipe' });
        continue;
      }
      const actor: Actor = recipe.actor ?? world.actors[recipe.as];
      const call = async (db: Database, log: StatementLog) => {
        const input = await recipe.input();
        log.reset();
        const started = performance.now();
        let outcome = 'ok';
        try {
          await op(db, actor, input);
        } catch (err) {
          if (codeOf(err) !== recipe.refusal) throw err;
          outcome = `refused ${recipe.refusal}`;
        }
        return { ms: performance.now() - started, statements: log.texts.length, outcome };
      };
      try {
        await call(direct.db, directLog); // warm-up: the first call of an operation builds its schemas and queries
        const directMs: number[] = [];
        const proxiedMs: number[] = [];
        const statements: number[] = [];
        let outcome = 'ok';
        for (let i = 0; i < CALLS; i++) {
          directMs.push((await call(direct.db, directLog)).ms);
          const through = await call(proxied.db, proxiedLog);
          proxiedMs.push(through.ms);
          statements.push(through.statements);
          outcome = through.outcome;
        }
        measured.push({ name, kind, as: recipe.as, statements, directMs: median(directMs), proxiedMs: median(proxiedMs), outcome, lastSql: [...proxiedLog.texts] });
      } catch (err) {
        unmeasured.push({ name, kind, outcome: `failed: ${codeOf(err)}: ${(err as Error).message.split('\n')[0].slice(0, 120)}` });
      }
    }
    return report(measured, unmeasured, operations.length);
  } finally {
    await direct.pool.end();
    await proxied.pool.end();
    await proxy.close();
    await setup.close();
  }
}

function report(measured: Measured[], unmeasured: Unmeasured[], total: number): SummaryRow[] {
  const header = ['operation', 'kind', 'called as', 'statements', 'target', 'result', 'direct ms', `+${DELAY_MS} ms/rt ms`, 'added ms', 'outcome'];
  const cells = measured.map((m) => {
    const n = Math.max(...m.statements);
    const target = ROUND_TRIP_TARGETS[m.kind];
    const varies = Math.min(...m.statements) !== n ? ` (calls sent ${m.statements.join(', ')})` : '';
    return [m.name, m.kind, m.as, String(n), `<= ${target}`, n <= target ? 'met' : 'NOT MET', fixed(m.directMs), fixed(m.proxiedMs), fixed(m.proxiedMs - m.directMs), m.outcome + varies];
  });
  for (const u of unmeasured) cells.push([u.name, u.kind, '-', '-', `<= ${ROUND_TRIP_TARGETS[u.kind]}`, '-', '-', '-', '-', u.outcome]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i < 3 || i === 9 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  console.log(`  ${line(header)}`);
  console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const c of cells) console.log(`  ${line(c)}`);
  if (SHOW_SQL) {
    for (const m of measured) {
      console.log(`\n  ${m.name} (${m.lastSql.length} statements):`);
      for (const text of m.lastSql) console.log(`    ${text.replace(/\s+/g, ' ').slice(0, 160)}`);
    }
  }

  const noRecipe = unmeasured.filter((u) => u.outcome === 'no recipe');
  const failed = unmeasured.filter((u) => u.outcome !== 'no recipe');
  const within = (kind: OperationKind) => measured.filter((m) => m.kind === kind && Math.max(...m.statements) <= ROUND_TRIP_TARGETS[kind]).length;
  const of = (kind: OperationKind) => measured.filter((m) => m.kind === kind).length;
  const slope = measured.reduce((s, m) => s + (m.proxiedMs - m.directMs), 0) / Math.max(1, measured.reduce((s, m) => s + Math.max(...m.statements), 0));
  console.log(
    `\n  ${total} exported operations: ${measured.length} measured, ${noRecipe.length} without a recipe${noRecipe.length ? ` (${noRecipe.map((u) => u.name).join(', ')}: add them to bench/recipes.ts)` : ''}` +
      `${failed.length ? `, ${failed.length} failed (${failed.map((u) => u.name).join(', ')})` : ''}.`,
  );
  console.log(`  reads within ${ROUND_TRIP_TARGETS.read} statements: ${within('read')} of ${of('read')}; writes within ${ROUND_TRIP_TARGETS.write}: ${within('write')} of ${of('write')}.`);
  console.log(`  the proxy added ${fixed(slope)} ms per statement on average (set: ${DELAY_MS} ms per round trip).`);

  const rows: SummaryRow[] = [
    { figure: `round trips: reads within ${ROUND_TRIP_TARGETS.read} statements`, value: `${within('read')} of ${of('read')}`, baseline: '-', ratio: '-', target: 'all', met: within('read') === of('read') },
    { figure: `round trips: writes within ${ROUND_TRIP_TARGETS.write} statements`, value: `${within('write')} of ${of('write')}`, baseline: '-', ratio: '-', target: 'all', met: within('write') === of('write') },
    { figure: 'round trips: exported operations without a recipe (or failing)', value: String(unmeasured.length), baseline: '-', ratio: '-', target: '0', met: unmeasured.length === 0 },
  ];
  for (const name of NAMED) {
    const m = measured.find((x) => x.name === name);
    if (!m) continue;
    const n = Math.max(...m.statements);
    rows.push({
      figure: `statements, ${name} (ms through the +${DELAY_MS} ms proxy vs direct)`,
      value: `${n}: ${fixed(m.proxiedMs, 1)} ms`,
      baseline: `${fixed(m.directMs, 1)} ms`,
      ratio: '-',
      target: `<= ${ROUND_TRIP_TARGETS[m.kind]}`,
      met: n <= ROUND_TRIP_TARGETS[m.kind],
    });
  }
  return rows;
}
