// npm run db:erd: rewrites docs/ERD.md from the schema.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateErd } from '../tools/erd.js';
import { runCommand } from './run.js';

export const ERD_PATH = fileURLToPath(new URL('../../docs/ERD.md', import.meta.url));

runCommand(async () => {
  writeFileSync(ERD_PATH, generateErd());
  console.log(`wrote ${ERD_PATH}`);
});
