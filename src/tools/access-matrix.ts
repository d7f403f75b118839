// The access matrix as the Markdown table docs/access.md shows, made from RIGHTS (the data the code
// enforces), so the page cannot drift from the code: `npm run docs:access` rewrites the table between
// its markers, and tests/access-docs.test.ts fails when the page differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { RIGHTS, type Right } from '../access/core/rights.js';

const COLUMNS = ['admin', 'instructor', 'student', 'parent', 'job', 'webhook', 'agent', 'cli'] as const;
const START = '<!-- matrix:start -->';
const END = '<!-- matrix:end -->';

export function accessMatrixTable(): string {
  const header = ['operation', 'over', 'parent needs', ...COLUMNS];
  const rows = Object.entries(RIGHTS as Record<string, Right>).map(([name, r]) => [name, r.over, r.parentNeeds ?? '', ...COLUMNS.map((c) => r[c])]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`.replace(/\|  \|/g, '| |');
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `text` with the table between the markers replaced by the current matrix. */
export function withAccessMatrix(text: string): string {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`no ${START} ... ${END} block`);
  return `${text.slice(0, start + START.length)}\n${accessMatrixTable()}\n${text.slice(end)}`;
}

export function writeAccessMatrix(docPath: string): void {
  writeFileSync(docPath, withAccessMatrix(readFileSync(docPath, 'utf8')));
}
