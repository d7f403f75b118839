// Package entry point: the database layer, the access layer and the integrity tools.
export * from './db/index.js';
export * from './access/index.js';
export * from './domain/rules.js';
export { canberraDate } from './domain/time.js';
export { verifyChains, type VerifyResult, type ChainBreak, type BreakKind } from './integrity/verify.js';
export { digestFromResult, readDigest, writeDigest, type ChainDigest } from './integrity/digest.js';
export { CHAINS, canonicalText, recordHash } from './integrity/canonical.js';
