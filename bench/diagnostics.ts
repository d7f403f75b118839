// Untimed passes that explain the append figures rather than measure them:
//   - sampleLockWaits: how many concurrent writers are waiting for the chain's advisory lock, sampled
//     from pg_stat_activity every 10 ms;
//   - profileTrigger: the chain trigger's own time per row from pg_stat_user_functions
//     (track_functions = 'all', a superuser setting), for autocommit single-row inserts and for the
//     same inserts inside one transaction, with the calls per row of each function it uses.
import pg from 'pg';
import { appendAll, openWriters } from './appends.js';

export interface LockSample {
  writers: number;
  table: string;
  samples: number;
  /** Mean number of writer sessions waiting on an advisory lock at a sample. */
  advisoryWaiting: number;
  /** Mean number of writer sessions active on anything else (CPU, I/O, other locks). */
  busy: number;
}

export async function sampleLockWaits(url: string, table: string, writers: number, perWriter: number): Promise<LockSample> {
  const clients = await openWriters(url, writers);
  const monitor = new pg.Client({ connectionString: url, application_name: 'nexdrive-bench-monitor' });
  await monitor.connect();
  let done = false;
  let samples = 0;
  let advisory = 0;
  let busy = 0;
  const sampling = (async () => {
    while (!done) {
      const { rows } = await monitor.query<{ advisory: number; busy: number }>(`
        select count(*) filter (where wait_event_type = 'Lock' and wait_event = 'advisory')::int as advisory,
               count(*) filter (where state = 'active' and coalesce(wait_event, '') <> 'advisory')::int as busy
          from pg_stat_activity
         where datname = current_database() and application_name = 'nexdrive-bench-writer'`);
      samples++;
      advisory += rows[0].advisory;
      busy += rows[0].busy;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    await appendAll(clients, table, perWriter, 'lock-sample');
  } finally {
    done = true;
    await sampling;
    await Promise.all([...clients, monitor].map((c) => c.end()));
  }
  return { writers, table, samples, advisoryWaiting: advisory / samples, busy: busy / samples };
}

export interface FunctionProfile {
  name: string;
  callsPerRow: number;
  /** Total time per row, including the functions it calls. */
  microsPerRow: number;
}

export interface TriggerProfile {
  rows: number;
  autocommit: FunctionProfile[];
  oneTransaction: FunctionProfile[];
}

async function functionStats(client: pg.Client, rows: number): Promise<FunctionProfile[]> {
  await client.query('select pg_stat_force_next_flush()');
  await new Promise((r) => setTimeout(r, 100));
  const { rows: stats } = await client.query<{ funcname: string; calls: string; total_time: number }>(
    'select funcname, calls::text, total_time from pg_stat_user_functions where calls > 0 order by total_time desc',
  );
  return stats.map((s) => ({ name: s.funcname, callsPerRow: Number(s.calls) / rows, microsPerRow: (s.total_time * 1000) / rows }));
}

/** null when the role may not set track_functions or reset statistics. */
export async function profileTrigger(url: string, rows: number): Promise<TriggerProfile | null> {
  const client = new pg.Client({ connectionString: url, application_name: 'nexdrive-bench-profile' });
  await client.connect();
  try {
    await client.query("set track_functions = 'all'");
    const text = 'insert into audit_log (event_type, details) values ($1, $2)';
    const run = async (oneTransaction: boolean) => {
      await client.query('select pg_stat_reset()');
      if (oneTransaction) await client.query('begin');
      for (let i = 0; i < rows; i++) await client.query(text, ['BENCH_PROFILE', JSON.stringify({ i })]);
      if (oneTransaction) await client.query('commit');
      return functionStats(client, rows);
    };
    await run(false); // warm-up: the first pass also pays for this session's first plans
    return { rows, autocommit: await run(false), oneTransaction: await run(true) };
  } catch (err) {
    if (/permission denied|must be superuser/i.test(String(err))) return null;
    throw err;
  } finally {
    await client.end();
  }
}
