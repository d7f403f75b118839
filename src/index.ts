// Package entry point: the database layer, the access layer and the integrity tools.
export * from './db/index.js';
export * from './access/audit.js';
export * from './access/instructors.js';
export * from './access/lessons.js';
export * from './domain/rules.js';
export { verifyChains, type VerifyResult, type ChainBreak, type BreakKind } from './integrity/verify.js';
export { digestFromResult, readDigest, writeDigest, type ChainDigest } from './integrity/digest.js';
export { CHAINS, canonicalText, recordHash } from './integrity/canonical.js';
