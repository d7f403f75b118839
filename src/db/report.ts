// A short description of a database: what db:setup prints after migrating and seeding.
import { sql } from 'drizzle-orm';
import type { DbHandle } from './engines/handle.js';
import { queryRows } from './sql.js';
import { ALL_TABLE_NAMES } from './tables.js';

export interface ChainHead {
  chain: string;
  chains: number;
  rows: number;
  /** Highest position of the chain (for student_competencies: of the longest student chain). */
  headPosition: number | null;
  headHash: string | null;
}

export interface DatabaseReport {
  engine: string;
  location: string;
  postgresVersion: string;
  extensions: Record<string, string>;
  tables: { expected: number; present: number; missing: string[] };
  referenceRows: { competencyTasks: number; services: number };
  chains: ChainHead[];
}


export async function describeDatabase(handle: DbHandle): Promise<DatabaseReport> {
  const { db } = handle;
  const [{ server_version }] = await queryRows<{ server_version: string }>(db, sql`show server_version`);
  const extensions = await queryRows<{ extname: string; extversion: string }>(
    db,
    sql`select extname, extversion from pg_extension where extname in ('vector', 'pgcrypto', 'btree_gist') order by extname`,
  );
  const present = await queryRows<{ table_name: string }>(
    db,
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const presentNames = new Set(present.map((r) => r.table_name));
  const [counts] = await queryRows<{ tasks: number; services: number }>(
    db,
    sql`select (select count(*) from competency_tasks)::int as tasks, (select count(*) from services)::int as services`,
  );
  const chains = await queryRows<{ chain: string; chains: number; rows: number; head_position: string | null; head_hash: string | null }>(
    db,
    sql`
      select 'audit_log' as chain, (count(*) > 0)::int as chains, count(*)::int as rows,
             max(chain_position)::text as head_position,
             (select record_hash from audit_log order by chain_position desc limit 1) as head_hash
        from audit_log
      union all
      select 'signatures', (count(*) > 0)::int, count(*)::int, max(chain_position)::text,
             (select record_hash from signatures order by chain_position desc limit 1)
        from signatures
      union all
      select 'student_competencies', count(distinct student_id)::int, count(*)::int, max(chain_position)::text, null
        from student_competencies`,
  );
  return {
    engine: handle.engine,
    location: handle.location,
    postgresVersion: server_version,
    extensions: Object.fromEntries(extensions.map((e) => [e.extname, e.extversion])),
    tables: {
      expected: ALL_TABLE_NAMES.length,
      present: ALL_TABLE_NAMES.filter((n) => presentNames.has(n)).length,
      missing: ALL_TABLE_NAMES.filter((n) => !presentNames.has(n)),
    },
    referenceRows: { competencyTasks: counts.tasks, services: counts.services },
    chains: chains.map((c) => ({
      chain: c.chain,
      chains: c.chains,
      rows: c.rows,
      headPosition: c.head_position === null ? null : Number(c.head_position),
      headHash: c.head_hash,
    })),
  };
}

export function formatReport(r: DatabaseReport): string {
  const ext = ['vector', 'pgcrypto', 'btree_gist'].map((n) => `${n} ${r.extensions[n] ?? 'MISSING'}`).join(', ');
  const chainLines = r.chains.map((c) => {
    if (c.rows === 0) return `  ${c.chain.padEnd(21)} empty`;
    const head = c.headHash ? `, head #${c.headPosition} ${c.headHash.slice(0, 16)}…` : `, longest chain ${c.headPosition}`;
    const many = c.chain === 'student_competencies' ? `${c.chains} chains, ` : '';
    return `  ${c.chain.padEnd(21)} ${many}${c.rows} rows${head}`;
  });
  return [
    `engine      ${r.engine} (${r.location})`,
    `postgres    ${r.postgresVersion}`,
    `extensions  ${ext}`,
    `tables      ${r.tables.present}/${r.tables.expected}${r.tables.missing.length ? ` (missing: ${r.tables.missing.join(', ')})` : ''}`,
    `reference   ${r.referenceRows.competencyTasks} competency tasks, ${r.referenceRows.services} services`,
    'chains',
    ...chainLines,
  ].join('\n');
}
