// The thin shell around every command: open the database, run a library function, print, exit.
// Library code never calls process.exit; only this file does.
import { createDb } from '../db/client.js';
import type { DbHandle } from '../db/engines/handle.js';
import { NexDriveError } from '../db/errors.js';

/** Runs a command. It returns its exit code; an error prints one line (and the cause with DEBUG=1). */
export function runCommand(main: () => Promise<number | void>, failureExitCode = 1): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (err: unknown) => {
      const label = err instanceof NexDriveError ? `${err.code}: ` : '';
      console.error(`error: ${label}${err instanceof Error ? err.message : String(err)}`);
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

/** Parses --name=value and --flag arguments. Unknown shapes are reported, not ignored. */
export function parseFlags(argv: string[]): Record<string, string | true> {
  const flags: Record<string, string | true> = {};
  for (const arg of argv) {
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new NexDriveError('USAGE', `unexpected argument "${arg}"; flags look like --name=value`);
    flags[m[1]] = m[2] ?? true;
  }
  return flags;
}
