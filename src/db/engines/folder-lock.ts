// One writer per embedded data folder: an exclusive lock file beside the folder (`<folder>.lock`).
// PGlite runs PostgreSQL inside its process: two processes opening one folder would each keep their
// own copy in memory and overwrite each other's files, losing committed rows. The lock file is
// created with O_EXCL and names its holder; close() or the end of the process removes it. A lock
// whose holder is dead (a crash, SIGKILL) is stale and is taken over. While `npm run db:serve`
// holds a folder, the lock also carries the URL it serves at, so other openers connect through it.
// Everything here is synchronous: the lazy `db` of src/db/index.ts opens on first property access.
import { randomUUID } from 'node:crypto';
import {
  closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readlinkSync, realpathSync, renameSync, rmdirSync, statSync, unlinkSync,
  writeFileSync, writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { EmbeddedDbLockedError } from '../errors.js';

/** What a lock file holds. */
export interface LockHolder {
  pid: number;
  /** The holder's command line, for the message a second opener sees. */
  command: string;
  hostname: string;
  startedAt: string;
  /**
   * The kernel's start time of the pid (Linux: field 22 of /proc/<pid>/stat), so that a later
   * process that happens to get the same pid is not mistaken for the holder. Null elsewhere.
   */
  startToken: string | null;
  /** The holder's PID namespace (Linux: the target of /proc/self/ns/pid). Containers on one host
   *  (or with one hostname) number processes separately: a pid in another namespace cannot be checked. */
  pidNamespace?: string | null;
  /** Random: tells this lock from any later lock of the same process. */
  lockId: string;
  /** Set by db:serve while it accepts connections. */
  servingUrl?: string;
}

export interface FolderLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Records (or, with undefined, removes) the URL this process serves the folder at. */
  setServingUrl(url: string | undefined): void;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/** A creator writes its lock right after creating it; content still missing after this is a crash. */
const PARTIAL_GRACE_MS = 2_000;
/** A takeover takes milliseconds; a guard folder older than this was left by a crashed taker. */
const GUARD_STALE_MS = 10_000;
/** How long acquire() keeps retrying while other processes take over or release the lock. */
const ACQUIRE_DEADLINE_MS = 15_000;

/** Where the lock of a data folder lives (the folder's real path plus `.lock`). */
export function lockPathFor(dataDir: string): string {
  let folder = path.resolve(dataDir);
  try {
    folder = realpathSync(folder);
  } catch {
    // not created yet: its resolved path is what acquire() will lock once it exists
  }
  return `${folder}.lock`;
}

/** Fields 3 (state) and 22 (start time) of /proc/<pid>/stat; null where there is no /proc. */
function procStat(pid: number): { state: string; startToken: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 is the command in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], startToken: fields[19] };
  } catch {
    return null;
  }
}

function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false; // kill(0) or kill(-n) would address a group
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

type Liveness = 'alive' | 'dead' | 'elsewhere';

/** This process's PID namespace, e.g. 'pid:[4026531836]' (null where /proc has none). */
const PID_NAMESPACE: string | null = (() => {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
})();

/** Whether a lock's holder still runs. A holder on another host cannot be checked: it counts as alive. */
function liveness(holder: LockHolder): Liveness {
  if (holder.hostname !== hostname()) return 'elsewhere';
  if (holder.pidNamespace && holder.pidNamespace !== PID_NAMESPACE) return 'elsewhere';
  if (!processExists(holder.pid)) return 'dead';
  const stat = procStat(holder.pid);
  if (stat) {
    if (stat.state === 'Z' || stat.state === 'X') return 'dead'; // exited, not yet reaped by its parent
    if (holder.startToken !== null && stat.startToken !== holder.startToken) return 'dead'; // pid reused
  }
  return 'alive';
}

function parseHolder(raw: string): LockHolder | null {
  try {
    const h = JSON.parse(raw) as Partial<LockHolder>;
    if (typeof h.pid !== 'number' || typeof h.hostname !== 'string' || typeof h.lockId !== 'string') return null;
    return {
      pid: h.pid,
      command: typeof h.command === 'string' ? h.command : '?',
      hostname: h.hostname,
      startedAt: typeof h.startedAt === 'string' ? h.startedAt : '?',
      startToken: typeof h.startToken === 'string' ? h.startToken : null,
      pidNamespace: typeof h.pidNamespace === 'string' ? h.pidNamespace : null,
      lockId: h.lockId,
      ...(typeof h.servingUrl === 'string' ? { servingUrl: h.servingUrl } : {}),
    };
  } catch {
    return null;
  }
}

function readRaw(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The lock of a folder and whether its holder runs; null when the folder is not locked. */
export function readFolderLock(dataDir: string): { holder: LockHolder | null; state: Liveness | 'unreadable' } | null {
  const raw = readRaw(lockPathFor(dataDir));
  if (raw === null) return null;
  const holder = parseHolder(raw);
  return { holder, state: holder ? liveness(holder) : 'unreadable' };
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** A short synchronous pause with jitter, so racing processes fall out of step. */
function pause(): void {
  Atomics.wait(sleeper, 0, 0, 5 + Math.random() * 20);
}

function commandLine(): string {
  const cwd = process.cwd() + path.sep;
  const args = process.argv.slice(1).map((a) => (a.startsWith(cwd) ? a.slice(cwd.length) : a));
  return [path.basename(process.argv[0] ?? 'node'), ...args].join(' ').slice(0, 300);
}

function describe(holder: LockHolder): string {
  const host = holder.hostname === hostname() ? '' : ` on host ${holder.hostname}`;
  return `pid ${holder.pid}${host} (${holder.command}, since ${holder.startedAt})`;
}

function lockedError(dataDir: string, lockPath: string, holder: LockHolder, state: Liveness): EmbeddedDbLockedError {
  const folder = path.resolve(dataDir);
  if (state === 'elsewhere') {
    return new EmbeddedDbLockedError(
      `the embedded database ${folder} is locked by ${describe(holder)}; one process may open a PGlite folder; if that process is gone, delete ${lockPath}`,
      lockPath, holder.pid, undefined,
    );
  }
  if (holder.servingUrl) {
    return new EmbeddedDbLockedError(
      `the embedded database ${folder} is served by ${describe(holder)} at ${holder.servingUrl}; connect to that URL, or stop that process first`,
      lockPath, holder.pid, holder.servingUrl,
    );
  }
  if (holder.pid === process.pid) {
    return new EmbeddedDbLockedError(
      `the embedded database ${folder} is already open in this process (pid ${holder.pid}); close that handle (or call closeDb()) before opening it again`,
      lockPath, holder.pid, undefined,
    );
  }
  return new EmbeddedDbLockedError(
    `the embedded database ${folder} is in use by ${describe(holder)}; one process may open a PGlite folder: stop that process, or run \`npm run db:serve\` in its place and every command will connect through it`,
    lockPath, holder.pid, undefined,
  );
}

/** Creates the lock file with O_EXCL; false if it exists. */
function createExclusive(lockPath: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${JSON.stringify(holder, null, 2)}\n`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(lockPath);
    throw err;
  }
  closeSync(fd);
  return true;
}

/**
 * Replaces a stale lock, provided it is still the one judged stale. Two processes may both find
 * the same lock stale: the guard folder (mkdir is atomic) lets one of them at a time compare,
 * remove and create, so the second finds the first one's new lock and gives up.
 */
function takeOver(lockPath: string, staleRaw: string, holder: LockHolder): boolean {
  const guard = `${lockPath}.takeover`;
  try {
    mkdirSync(guard);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (ageMs(guard) > GUARD_STALE_MS) {
      try {
        rmdirSync(guard);
      } catch {
        // another process removed it first
      }
    }
    return false;
  }
  try {
    const now = readRaw(lockPath);
    if (now !== null && now !== staleRaw) return false; // taken over (or released and re-taken) meanwhile
    if (now !== null) unlinkSync(lockPath);
    // O_EXCL still: a process that found no lock file at all may have created one just now.
    return createExclusive(lockPath, holder);
  } finally {
    try {
      rmdirSync(guard);
    } catch {
      // nothing to clean up
    }
  }
}

// One exit listener for every lock this process holds: locks are released even without close().
const heldLocks = new Set<() => void>();
let exitListener: (() => void) | null = null;

function track(release: () => void): void {
  heldLocks.add(release);
  if (!exitListener) {
    exitListener = () => {
      for (const r of [...heldLocks]) r();
    };
    process.on('exit', exitListener);
  }
}

function untrack(release: () => void): void {
  heldLocks.delete(release);
  if (heldLocks.size === 0 && exitListener) {
    process.off('exit', exitListener);
    exitListener = null;
  }
}

function heldLock(lockPath: string, initial: LockHolder): FolderLock {
  let holder = initial;
  let released = false;
  const stillOurs = () => parseHolder(readRaw(lockPath) ?? '')?.lockId === initial.lockId;
  const release = () => {
    if (released) return;
    released = true;
    untrack(release);
    try {
      if (stillOurs()) unlinkSync(lockPath);
    } catch {
      // already gone
    }
  };
  track(release);
  return {
    path: lockPath,
    get holder() {
      return holder;
    },
    setServingUrl(url) {
      if (released || !stillOurs()) throw new Error(`${lockPath} is no longer held by this process`);
      const { servingUrl: _old, ...rest } = holder;
      holder = url ? { ...rest, servingUrl: url } : rest;
      // Written beside, then renamed over the lock: readers see the old content or the new, never half.
      const tmp = `${lockPath}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(holder, null, 2)}\n`);
      renameSync(tmp, lockPath);
    },
    release,
  };
}

/**
 * Takes the folder's lock, creating the folder if needed. Throws EmbeddedDbLockedError when a live
 * process holds it (its `servingUrl` is set when that process is db:serve), including this process.
 */
export function acquireFolderLock(dataDir: string): FolderLock {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = lockPathFor(dataDir);
  const me: LockHolder = {
    pid: process.pid,
    command: commandLine(),
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    startToken: procStat(process.pid)?.startToken ?? null,
    pidNamespace: PID_NAMESPACE,
    lockId: randomUUID(),
  };
  const deadline = Date.now() + ACQUIRE_DEADLINE_MS;
  for (;;) {
    if (createExclusive(lockPath, me)) return heldLock(lockPath, me);
    const raw = readRaw(lockPath);
    if (raw === null) continue; // released between the two calls
    const holder = parseHolder(raw);
    if (holder) {
      const state = liveness(holder);
      if (state !== 'dead') throw lockedError(dataDir, lockPath, holder, state);
    } else if (ageMs(lockPath) < PARTIAL_GRACE_MS) {
      pause(); // its creator is writing it
      continue;
    }
    if (takeOver(lockPath, raw, me)) return heldLock(lockPath, me);
    if (Date.now() > deadline) {
      throw new EmbeddedDbLockedError(
        `could not take over the stale lock ${lockPath} of the embedded database ${path.resolve(dataDir)}; if no process uses the folder, delete that file`,
        lockPath, holder?.pid, undefined,
      );
    }
    pause();
  }
}
