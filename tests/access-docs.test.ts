// docs/access.md shows the access matrix as a table; this keeps the table equal to the data the code
// enforces (RIGHTS in src/access/core/rights.ts), row for row and cell for cell. `npm run docs:access`
// rewrites it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RIGHTS } from '../src/access/index.js';
import { accessMatrixTable, withAccessMatrix } from '../src/tools/access-matrix.js';

const DOC = readFileSync(new URL('../docs/access.md', import.meta.url), 'utf8');

describe('docs/access.md', () => {
  it('shows exactly the access matrix the code enforces (npm run docs:access rewrites it)', () => {
    expect(withAccessMatrix(DOC)).toBe(DOC);
  });

  it('has a row for every operation and a column for every lane of system actor', () => {
    const table = accessMatrixTable();
    for (const name of Object.keys(RIGHTS)) expect(table).toContain(`| ${name} |`);
    expect(table.split('\n')[0]).toBe('| operation | over | parent needs | admin | instructor | student | parent | job | webhook | agent | cli |');
  });
});
