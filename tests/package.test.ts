// Issue 16: the package as an app installs it. What `npm pack` ships (dist, the migrations; no tests,
// bench or docs beyond the README), and, in CI (CI=true: it needs the npm registry for the peers; once,
// in the PGlite run without TEST_DATABASE_URL), that every entry of the exports map resolves from a
// temporary app that installed the tarball, and that its bin runs there.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const temp = mkdtempSync(path.join(tmpdir(), 'nexdrive-pack-'));
let files: string[] = [];

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'dist', 'index.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  const [report] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', temp], { cwd: ROOT, encoding: 'utf8' }),
  ) as { filename: string; files: { path: string }[] }[];
  files = report.files.map((f) => f.path);
}, 180_000);

afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships dist with declarations, the migrations and the README, and nothing of tests, bench or docs', () => {
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('drizzle/migrations/meta/_journal.json');
    expect(files.filter((f) => /^drizzle\/migrations\/\d{4}_.*\.sql$/.test(f)).length).toBeGreaterThan(10);
    expect(files).toContain('README.md');
    expect(files.filter((f) => /^(tests|bench|docs|src)\//.test(f) || f.endsWith('.map'))).toEqual([]);
  });

  it.runIf(process.env.CI === 'true' && !process.env.TEST_DATABASE_URL)('installs into an app whose entries all resolve and whose bin runs', () => {
    const app = path.join(temp, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    const tarball = path.join(temp, execFileSync('ls', [temp], { encoding: 'utf8' }).split('\n').find((f) => f.endsWith('.tgz'))!);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app, stdio: 'pipe', timeout: 300_000 });
    const probe = `
      const root = await import('@nexdrive/db');
      const entries = await Promise.all(['migrate', 'seed', 'integrity', 'schema'].map((s) => import('@nexdrive/db/' + s)));
      console.log(JSON.stringify([typeof root.getAvailableSlots, typeof root.createDb, 'runMigrations' in root,
        typeof entries[0].runMigrations, typeof entries[1].seedReferenceData, typeof entries[2].verifyChains, typeof entries[3].profiles]));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: app, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(['function', 'function', false, 'function', 'function', 'function', 'object']);
    const env = { ...process.env };
    delete env.DATABASE_URL;
    delete env.PGLITE_DATA_DIR;
    const setup = execFileSync(path.join(app, 'node_modules', '.bin', 'nexdrive-db'), ['setup'], { cwd: app, encoding: 'utf8', env });
    expect(setup).toMatch(/^migrations  \d+ applied/m);
    expect(existsSync(path.join(app, '.data', 'pglite'))).toBe(true);
  }, 600_000);
});
