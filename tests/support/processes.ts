// Child processes for tests that need more than one process: TypeScript scripts run by Node with
// tsx's loader (the direct child is the node process itself, so its pid and signals are exact).
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the first match of `pattern` in stdout; rejects if the process ends first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  readonly finished: Promise<Finished>;
  /** Sends a signal if the process still runs. */
  signal(signal: NodeJS.Signals): void;
}

const running = new Set<Child>();

/**
 * Runs `node --import tsx <script> ...args` from the repository root. The environment is the
 * test's, without any database variables, plus `env`.
 */
export function runTsx(script: string, args: string[] = [], env: Record<string, string> = {}): Child {
  const base = { ...process.env };
  for (const name of ['DATABASE_URL', 'TEST_DATABASE_URL', 'PGLITE_DATA_DIR', 'DATABASE_DRIVER', 'PGLITE_PORT']) delete base[name];
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, script), ...args], {
    cwd: REPO_ROOT,
    env: { ...base, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const l of listeners) l();
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  let ended = false;
  const finished = new Promise<Finished>((resolve) => {
    proc.on('close', (code, signal) => {
      ended = true;
      running.delete(child);
      for (const l of listeners) l();
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  const child: Child = {
    process: proc,
    pid: proc.pid!,
    stdout: () => out,
    stderr: () => err,
    finished,
    waitFor(pattern, ms = 90_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) return done(() => resolve(m));
          if (ended) return done(() => reject(new Error(`${script} ended before printing ${pattern}\nstdout: ${out}\nstderr: ${err}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`${script} did not print ${pattern} within ${ms} ms\nstdout: ${out}\nstderr: ${err}`))), ms);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    signal(signal) {
      if (!ended) proc.kill(signal);
    },
  };
  running.add(child);
  return child;
}

/** Kills every child still running (a failed test must not leave a holder behind) and waits for them. */
export async function killRunningChildren(): Promise<void> {
  const left = [...running];
  for (const c of left) c.signal('SIGKILL');
  await Promise.all(left.map((c) => c.finished));
}
