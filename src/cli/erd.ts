// nexdrive-db erd (npm run db:erd): writes a Mermaid ERD of the schema (docs/ERD.md of this repository,
// or --out=FILE; in an app's folder the default is docs/ERD.md there).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../db/package-root.js';
import { ERD_PATH, generateErd } from '../tools/erd.js';
import { parseCommandArgs, runCommand } from './run.js';

runCommand(async () => {
  const flags = parseCommandArgs({
    usage: 'nexdrive-db erd [--out=FILE]   (npm run db:erd)',
    help: 'Writes a Mermaid erDiagram of every table.\n  --out=FILE  where to write it (default docs/ERD.md in this folder)',
    options: { out: { type: 'string' } },
  });
  const inRepo = path.resolve(process.cwd()) === packageRoot();
  const out = path.resolve(flags.out ?? (inRepo ? ERD_PATH : path.join('docs', 'ERD.md')));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, generateErd());
  console.log(`wrote ${out}`);
});
