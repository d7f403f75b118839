// Human-readable rendering of a verify result (the CLI prints this unless --json).
import { CHAIN_TABLES } from './canonical.js';
import type { VerifyResult } from './verify.js';

export function formatVerifyResult(result: VerifyResult, seconds: number): string {
  const lines: string[] = [];
  for (const table of CHAIN_TABLES) {
    const heads = result.heads.filter((h) => h.table === table);
    const broken = result.breaks.filter((b) => b.table === table).length;
    const rows = heads.reduce((n, h) => n + h.rows, 0);
    const status = broken ? `BROKEN (${broken} problem${broken === 1 ? '' : 's'})` : 'intact';
    const detail =
      heads.length === 0
        ? 'empty'
        : table === 'student_competencies'
          ? `${heads.length} chains, ${rows} rows`
          : `${rows} rows, head #${heads[0].position} ${heads[0].hash.slice(0, 16)}… at ${heads[0].time}`;
    lines.push(`${table.padEnd(21)} ${detail.padEnd(72)} ${status}`);
  }
  for (const b of result.breaks) {
    const chain = b.chainKey ? ` student ${b.chainKey}` : '';
    const at = b.position === null ? '' : ` position ${b.position}`;
    const row = b.rowId ? ` row ${b.rowId}` : '';
    lines.push(`  ${b.kind}: ${b.table}${chain}${at}${row}: ${b.message}`);
  }
  const verdict = result.ok ? 'all chains intact' : `${result.breaks.length} problem${result.breaks.length === 1 ? '' : 's'} found`;
  lines.push(`verified ${result.rowsChecked} rows in ${seconds.toFixed(1)} s: ${verdict}`);
  return lines.join('\n');
}
