// Printing for the benchmark: the machine and server facts a reader needs to judge the numbers, and
// the closing summary table (figure, baseline, ratio, target, met / not met).
import { cpus, totalmem } from 'node:os';
import type pg from 'pg';

export interface SummaryRow {
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  /** null: informational, no target. */
  met: boolean | null;
}

export async function machineFacts(client: pg.Client, serverOrigin: string): Promise<Array<[string, string]>> {
  const settings = ['server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'wal_level', 'max_connections'];
  const { rows } = await client.query<{ name: string; setting: string }>(
    `select name, current_setting(name) as setting from unnest($1::text[]) as name`,
    [settings],
  );
  const cpu = cpus();
  return [
    ['cores', `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown'}`],
    ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['node', `${process.version} (${process.platform}/${process.arch})`],
    ['PostgreSQL server', serverOrigin],
    ...rows.map((r) => [r.name === 'server_version' ? 'PostgreSQL version' : r.name, r.setting] as [string, string]),
  ];
}

export function printFacts(facts: Array<[string, string]>): void {
  const width = Math.max(...facts.map(([k]) => k.length));
  for (const [k, v] of facts) console.log(`  ${k.padEnd(width)}  ${v}`);
}

export function printSummary(rows: SummaryRow[]): void {
  const header = ['figure', 'measured', 'baseline', 'ratio', 'target', 'result'];
  const cells = rows.map((r) => [r.figure, r.value, r.baseline, r.ratio, r.target, r.met === null ? '-' : r.met ? 'met' : 'NOT MET']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log(`  ${line(header)}`);
  console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const c of cells) console.log(`  ${line(c)}`);
}
