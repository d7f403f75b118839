// Chain digests, as a ledger database keeps them: each chain's head (position, hash, time) written to
// a file kept outside the database. A later `verify --since FILE` proves that every row up to each of
// those heads is still there and unchanged, which catches what a chain alone cannot: deleting the
// newest rows, or rewriting history and recomputing every hash after it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { CHAIN_TABLES } from './canonical.js';
import type { VerifyResult } from './verify.js';

export const DIGEST_FORMAT = 'nexdrive-chain-digest/1';

const digestSchema = z.object({
  format: z.literal(DIGEST_FORMAT),
  createdAt: z.string(),
  chains: z.array(
    z.object({
      table: z.enum(CHAIN_TABLES as [string, ...string[]]),
      chainKey: z.string().nullable(),
      position: z.number().int().positive(),
      hash: z.string().regex(/^[0-9a-f]{64}$/),
      time: z.string(),
      rows: z.number().int().nonnegative(),
    }),
  ),
});

export type ChainDigest = z.infer<typeof digestSchema> & { chains: Array<{ table: (typeof CHAIN_TABLES)[number] }> };

export function digestFromResult(result: VerifyResult, now = new Date()): ChainDigest {
  return {
    format: DIGEST_FORMAT,
    createdAt: now.toISOString(),
    chains: result.heads.map((h) => ({ table: h.table, chainKey: h.chainKey, position: h.position, hash: h.hash, time: h.time, rows: h.rows })),
  };
}

/** Writes a digest file, creating its folder if needed (--digest=digests/today.json in a fresh checkout). */
export function writeDigest(path: string, digest: ChainDigest): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(digest, null, 2)}\n`);
}

/** Reads and validates a digest file; a malformed file is an error, never an empty digest. */
export function readDigest(path: string): ChainDigest {
  const parsed = digestSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${path} is not a chain digest (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  }
  return parsed.data as ChainDigest;
}
