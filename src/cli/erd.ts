// npm run db:erd: rewrites docs/ERD.md from the schema.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ERD_PATH, generateErd } from '../tools/erd.js';
import { runCommand } from './run.js';

runCommand(async () => {
  mkdirSync(path.dirname(ERD_PATH), { recursive: true });
  writeFileSync(ERD_PATH, generateErd());
  console.log(`wrote ${ERD_PATH}`);
});
