// The README's example "From an empty database to a lesson" runs as written (issue 17): the block is taken
// from README.md, its package imports pointed at this repository's src/, and run by tsx in a child process
// on a fresh in-memory database. A change to an operation that breaks the example fails here.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.split('## From an empty database to a lesson')[1] ?? '';
const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
const dir = mkdtempSync(join(tmpdir(), 'readme-example-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the README example', () => {
  it('is in the README, and imports only the package (its root, /migrate and /seed)', () => {
    expect(code).toContain('convertContact(');
    const imports = [...code.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.sort()).toEqual(['@nexdrive/db', '@nexdrive/db/migrate', '@nexdrive/db/seed']);
  });

  it('runs on a fresh embedded database: an instructor, a contact enrolled, a booking, a lesson', async () => {
    const local = code
      .replace("'@nexdrive/db/migrate'", JSON.stringify(join(root, 'src/entries/migrate.ts')))
      .replace("'@nexdrive/db/seed'", JSON.stringify(join(root, 'src/entries/seed.ts')))
      .replace("'@nexdrive/db'", JSON.stringify(join(root, 'src/index.ts')));
    const file = join(dir, 'example.mts');
    writeFileSync(file, local);
    const { stdout } = await promisify(execFile)(join(root, 'node_modules/.bin/tsx'), [file], { cwd: root, env: { ...process.env, DATABASE_URL: '' } });
    expect(stdout).toMatch(/^booking pending at \d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z; lesson 1 draft$/m);
  }, 120_000);
});
