// The thin shell around every command: read .env, parse flags, open the database, run a library
// function, print, exit. Library code never calls process.exit; only this file does.
import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createDb } from '../db/client.js';
import type { DbHandle } from '../db/engines/handle.js';
import { ConfigError, NexDriveError, pgErrorFields } from '../db/errors.js';

/**
 * Reads ./.env (the folder the command runs in: the app's own, when run as `npx nexdrive-db`).
 * Variables already set win, as with process.loadEnvFile (Node 20.12+).
 */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

/** One line for any error: our typed errors by code, database errors by SQLSTATE, never a query dump. */
export function describeFailure(err: unknown): string {
  const fields = pgErrorFields(err);
  if (fields?.code === '42501') {
    return `PERMISSION_DENIED: ${fields.message ?? 'permission denied'}; this role may not change the schema or the reference data: run migrations as the owner (a DATABASE_URL of the role that owns the database, not nexdrive_app)`;
  }
  // A typed error says it best (DB_DATABASE_NOT_FOUND, UNIQUE_VIOLATION...: its message is the
  // server's, not the query); an untyped database error by its SQLSTATE, never the "Failed query" text.
  if (err instanceof NexDriveError && err.code !== 'DATABASE_ERROR') return `${err.code}: ${err.message}`;
  if (fields) return `DATABASE_ERROR (SQLSTATE ${fields.code}): ${fields.message ?? ''}`;
  if (err instanceof NexDriveError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** Runs a command. It returns its exit code; an error prints one line (and the cause with DEBUG=1). */
export function runCommand(main: () => Promise<number | void>, failureExitCode = 1): void {
  loadDotEnv();
  main().then(
    (code) => process.exit(code ?? 0),
    (err: unknown) => {
      console.error(`error: ${describeFailure(err).split('\n')[0]}`);
      if (process.env.DEBUG) console.error(err);
      process.exit(failureExitCode);
    },
  );
}

/** Opens the database the environment points at, runs `use`, and always closes it. */
export async function withDb<T>(use: (handle: DbHandle) => Promise<T>): Promise<T> {
  const handle = await createDb();
  try {
    return await use(handle);
  } finally {
    await handle.close();
  }
}

/** parseArgs' errors in our words, one line. */
function parseArgsProblem(err: Error & { code?: string }): string {
  const quoted = /'([^']*)'/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted) return `unknown flag ${quoted}`;
  if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && quoted) return `unexpected argument "${quoted}"`;
  return err.message.split('\n')[0];
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec<O extends Options> {
  /** The first line of --help: `nexdrive-db <command> [flags]`. */
  usage: string;
  /** What the command does, and one line per flag. */
  help: string;
  options: O;
  /** Flags that must be given; all missing ones are listed at once. */
  required?: (keyof O & string)[];
}

/**
 * Parses this command's flags with node:util parseArgs (strict: unknown flags and stray arguments
 * are errors). `--help` prints the usage and exits 0 before anything is opened.
 */
export function parseCommandArgs<O extends Options>(spec: CommandSpec<O>, argv = process.argv.slice(2)) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new ConfigError(`${parseArgsProblem(err as Error & { code?: string })}; usage: ${spec.usage} (--help for more)`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    console.log(`usage: ${spec.usage}\n\n${spec.help}`);
    process.exit(0);
  }
  const missing = (spec.required ?? []).filter((name) => values[name] === undefined || values[name] === '');
  if (missing.length) {
    throw new ConfigError(`missing ${missing.map((f) => `--${f}=...`).join(' and ')}; usage: ${spec.usage}`);
  }
  return parsed.values as { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string };
}

/** Parses --name=value and --flag arguments (tests/spec/extract.ts). Unknown shapes are reported, not ignored. */
export function parseFlags(argv: string[]): Record<string, string | true> {
  const flags: Record<string, string | true> = {};
  for (const arg of argv) {
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new NexDriveError('USAGE', `unexpected argument "${arg}"; flags look like --name=value`);
    flags[m[1]] = m[2] ?? true;
  }
  return flags;
}
