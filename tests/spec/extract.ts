// npm run spec:extract -- <path of SPEC-01_Database_Schema_ERD.md> [--out=FILE] [--check]
// A dev tool: reads the user's spec, wherever it is kept, and writes the facts the tests compare the
// database against to tests/spec/spec-01.json (or --out). --check writes nothing and fails (exit 1)
// when the committed file differs from what the spec gives, e.g. after a new version of the spec.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseFlags, runCommand } from '../../src/cli/run.js';
import { NexDriveError } from '../../src/db/errors.js';
import { formatSpec01Json, SPEC_01_JSON } from './model.js';
import { parseSpec01 } from './parse.js';

/** The spec's path names no readable file. */
class SpecReadError extends NexDriveError {
  constructor(file: string, cause: unknown) {
    super('SPEC_READ', `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
  }
}

function readSpec(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new SpecReadError(file, err);
  }
}

const USAGE = 'usage: npm run spec:extract -- <path of SPEC-01_Database_Schema_ERD.md> [--out=FILE] [--check]';

runCommand(async () => {
  const args = process.argv.slice(2);
  const positional = args.filter((arg) => !arg.startsWith('--'));
  const flags = parseFlags(args.filter((arg) => arg.startsWith('--')));
  const unknown = Object.keys(flags).filter((name) => name !== 'out' && name !== 'check');
  if (positional.length !== 1 || unknown.length > 0 || flags.out === true) throw new NexDriveError('USAGE', USAGE);
  const out = typeof flags.out === 'string' ? flags.out : SPEC_01_JSON;

  const json = formatSpec01Json(parseSpec01(readSpec(positional[0])));
  if (flags.check) {
    let committed = '';
    try {
      committed = readFileSync(out, 'utf8');
    } catch {
      // a missing file differs from the spec like any other
    }
    if (committed === json) {
      console.log(`${out} is what the spec gives`);
      return 0;
    }
    console.error(`${out} differs from what the spec gives: run npm run spec:extract -- ${positional[0]}`);
    return 1;
  }
  writeFileSync(out, json);
  console.log(`wrote ${out}`);
});
