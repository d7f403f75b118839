// nexdrive-db verify (npm run db:verify) [-- --json] [--digest=FILE] [--since=FILE]
// Recomputes every hash chain independently of the database's own functions.
// Exit code: 0 all chains intact, 1 a chain is broken, 2 verify could not run (the reason is printed).
//   --digest=FILE  after a clean verify, write each chain's head (position, hash, time) to FILE
//   --since=FILE   also prove every row up to the heads recorded in FILE is still there, unchanged
import { ConfigError } from '../db/errors.js';
import { digestFromResult, readDigest, writeDigest } from '../integrity/digest.js';
import { formatVerifyResult } from '../integrity/format.js';
import { verifyChains } from '../integrity/verify.js';
import { parseCommandArgs, runCommand, withDb } from './run.js';

const CANNOT_RUN = 2;

function progressReporter(): (rows: number) => void {
  let last = Date.now();
  const tty = process.stderr.isTTY;
  return (rows) => {
    const now = Date.now();
    if (now - last < (tty ? 250 : 2000)) return;
    last = now;
    process.stderr.write(`${tty ? '\r' : ''}verifying… ${rows.toLocaleString('en-AU')} rows${tty ? '' : '\n'}`);
  };
}

runCommand(async () => {
  const flags = parseCommandArgs({
    usage: 'nexdrive-db verify [--json] [--digest=FILE] [--since=FILE] [--batch-size=N]   (npm run db:verify -- ...)',
    help: [
      'Recomputes every hash chain outside the database. Exit 0 intact, 1 a chain is broken, 2 could not run.',
      '  --json          print the result as JSON',
      '  --digest=FILE   after a clean verify, write each chain head to FILE',
      '  --since=FILE    also prove every row up to the heads in FILE is unchanged',
      '  --batch-size=N  rows read per query',
    ].join('\n'),
    options: { json: { type: 'boolean' }, digest: { type: 'string' }, since: { type: 'string' }, 'batch-size': { type: 'string' } },
  });
  const since = typeof flags.since === 'string' ? readDigest(flags.since) : undefined;
  const batchSize = flags['batch-size'] ? Number(flags['batch-size']) : undefined;
  const started = performance.now();
  const result = await withDb((handle) =>
    verifyChains(handle.db, { since, batchSize, onProgress: flags.json ? undefined : progressReporter() }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (process.stderr.isTTY && !flags.json) process.stderr.write('\r\x1b[K');
  let digestWritten: string | null = null;
  if (typeof flags.digest === 'string') {
    if (!result.ok) throw new ConfigError(`not writing ${flags.digest}: a digest of broken chains would vouch for them`);
    writeDigest(flags.digest, digestFromResult(result));
    digestWritten = flags.digest;
  }
  if (flags.json) {
    console.log(JSON.stringify({ ...result, seconds, since: flags.since ?? null, digestWritten }, null, 2));
  } else {
    console.log(formatVerifyResult(result, seconds));
    if (digestWritten) console.log(`digest of ${result.heads.length} chain heads written to ${digestWritten}`);
  }
  return result.ok ? 0 : 1;
}, CANNOT_RUN);
