// The embedded folder's lock file, read without starting any process: a lock whose holder lives in
// another PID namespace (another container on this host, or with this hostname) cannot be checked by
// its pid, so it is never taken over as stale; the error says what to do.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readlinkSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireFolderLock, lockPathFor } from '../src/db/engines/folder-lock.js';
import { EmbeddedDbLockedError } from '../src/db/errors.js';

const root = mkdtempSync(path.join(tmpdir(), 'nexdrive-folder-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const myNamespace = (() => {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
})();

function fakeLock(dataDir: string, holder: Record<string, unknown>) {
  writeFileSync(lockPathFor(dataDir), JSON.stringify({ command: 'node other', startedAt: new Date().toISOString(), startToken: null, lockId: 'x', hostname: hostname(), ...holder }));
}

describe.runIf(myNamespace)('a lock held in another PID namespace', () => {
  it('is not taken over even when no process here has that pid', () => {
    const dataDir = path.join(root, 'other-namespace');
    fakeLock(dataDir, { pid: 999_999_999, pidNamespace: 'pid:[1]' });
    let caught: unknown;
    try {
      acquireFolderLock(dataDir).release();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EmbeddedDbLockedError);
    expect((caught as Error).message).toContain('if that process is gone, delete');
  });

  it('while a lock of a dead pid in this namespace is taken over', () => {
    const dataDir = path.join(root, 'same-namespace');
    fakeLock(dataDir, { pid: 999_999_999, pidNamespace: myNamespace });
    const lock = acquireFolderLock(dataDir);
    expect(lock.holder.pid).toBe(process.pid);
    lock.release();
  });
});
