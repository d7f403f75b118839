// @nexdrive/db/integrity: recomputing the hash chains outside the database (db:verify's library).
export { verifyChains, type VerifyResult, type ChainBreak, type BreakKind } from '../integrity/verify.js';
export { digestFromResult, readDigest, writeDigest, type ChainDigest } from '../integrity/digest.js';
export { formatVerifyResult } from '../integrity/format.js';
export { CHAINS, canonicalText, formOf, personalMismatch, recordHash } from '../integrity/canonical.js';
