#!/usr/bin/env node
// The package's bin: `nexdrive-db <command> [flags]`, run in the app's own folder (its .env, its
// embedded database in .data/pglite, or its DATABASE_URL). Each command is its own module, loaded only
// when asked for; `npm run db:<command>` in this repository runs the same modules with tsx.
const COMMANDS = {
  setup: 'migrate, seed the reference data and print a report (safe to re-run)',
  migrate: 'apply pending migrations',
  seed: 'insert missing reference data',
  verify: 'recompute every hash chain',
  serve: 'serve the embedded database on a local port (psql, Drizzle Studio)',
  studio: 'open Drizzle Studio on DATABASE_URL or the served embedded database',
  'link-instructor': 'create or link an instructor to a Clerk user',
  erd: 'write a Mermaid ERD of the schema',
} as const;

const USAGE = `usage: nexdrive-db <command> [flags]   (nexdrive-db <command> --help for its flags)\n\n${Object.entries(COMMANDS)
  .map(([name, what]) => `  ${name.padEnd(16)} ${what}`)
  .join('\n')}`;

const [command, ...rest] = process.argv.slice(2);
if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
  console.log(USAGE);
  process.exit(command === undefined ? 1 : 0);
}
if (!Object.hasOwn(COMMANDS, command)) {
  console.error(`error: CONFIG_ERROR: unknown command "${command}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
  process.exit(1);
}
// The command module reads its flags from process.argv.slice(2), as when run directly.
process.argv = [process.argv[0], process.argv[1], ...rest];
await import(`./${command}.js`);
