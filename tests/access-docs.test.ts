// docs/access.md shows the access matrix as a table; this keeps the table equal to the data the code
// enforces (RIGHTS in src/access/core/rights.ts), row for row and cell for cell.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RIGHTS, type Right } from '../src/access/index.js';

const DOC = readFileSync(new URL('../docs/access.md', import.meta.url), 'utf8');

function documentedMatrix(): Record<string, Record<string, string>> {
  const block = /<!-- matrix:start -->\n([\s\S]*?)<!-- matrix:end -->/.exec(DOC);
  if (!block) throw new Error('docs/access.md has no matrix block');
  const [header, , ...rows] = block[1].trim().split('\n').map((line) => line.split('|').slice(1, -1).map((c) => c.trim()));
  return Object.fromEntries(rows.map((cells) => [cells[0], Object.fromEntries(header.slice(1).map((h, i) => [h, cells[i + 1]]))]));
}

describe('docs/access.md', () => {
  it('shows exactly the access matrix the code enforces', () => {
    const expected = Object.fromEntries(
      Object.entries(RIGHTS as Record<string, Right>).map(([name, r]) => [
        name,
        { over: r.over, 'parent needs': r.parentNeeds ?? '', admin: r.admin, instructor: r.instructor, student: r.student, parent: r.parent, system: r.system },
      ]),
    );
    expect(documentedMatrix()).toEqual(expected);
  });
});
