// Small measuring and formatting helpers shared by the benchmark sections: a wall clock, medians,
// a process.memoryUsage() sampler, an explicit gc(), number formatting, and reading a count from the
// environment.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const MB = 1024 * 1024;

export function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const int = (n: number) => Math.round(n).toLocaleString('en-AU');
export const fixed = (n: number, digits = 2) => n.toFixed(digits);
export const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** A full garbage collection, so a memory baseline is not inflated by garbage from earlier sections.
 *  `npm run bench` starts node without --expose-gc, so the flag is turned on at run time. */
let gcFn: (() => void) | null = null;
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

export interface MemoryPeaks {
  samples: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** Samples process.memoryUsage() every `intervalMs` (and once at start and stop) and keeps the peaks. */
export class MemorySampler {
  private timer: NodeJS.Timeout | null = null;
  private peaks: MemoryPeaks = { samples: 0, rss: 0, heapUsed: 0, heapTotal: 0, external: 0 };

  constructor(private readonly intervalMs = 50) {}

  private sample = () => {
    const m = process.memoryUsage();
    const p = this.peaks;
    p.samples++;
    p.rss = Math.max(p.rss, m.rss);
    p.heapUsed = Math.max(p.heapUsed, m.heapUsed);
    p.heapTotal = Math.max(p.heapTotal, m.heapTotal);
    p.external = Math.max(p.external, m.external + m.arrayBuffers);
  };

  start(): void {
    this.sample();
    this.timer = setInterval(this.sample, this.intervalMs);
  }

  stop(): MemoryPeaks {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return { ...this.peaks };
  }
}

/** A positive whole number from the environment variable `name` (underscores allowed: 50_000), or
 *  `fallback` when it is unset; anything else stops the run with a message naming the variable. */
export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}
