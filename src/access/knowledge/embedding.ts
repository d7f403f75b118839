// An embedding as the knowledge base accepts it: exactly 3072 finite numbers that half precision can
// hold (the HNSW index stores embedding::halfvec(3072)), of length at least KNOWLEDGE.minNorm in single
// precision (a zero or vanishing vector has no direction: its cosine similarity is undefined, and
// pgvector leaves a zero one out of the index). Checked in one pass with
// at most one issue, so a bad vector gives one line, not 3072. And the text pgvector reads.
import { z } from 'zod';
import { KNOWLEDGE } from './rules.js';

/** What is wrong with `value` as an embedding, or null when it is one. */
export function embeddingProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return `expected an array of ${KNOWLEDGE.dimensions} numbers`;
  if (value.length !== KNOWLEDGE.dimensions) return `expected ${KNOWLEDGE.dimensions} numbers, got ${value.length}`;
  let squares = 0;
  for (let i = 0; i < value.length; i++) {
    const x: unknown = value[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return `element ${i} is not a finite number (${typeof x === 'number' ? x : typeof x})`;
    if (Math.abs(x) > KNOWLEDGE.maxComponent) return `element ${i} is outside ±${KNOWLEDGE.maxComponent} (the index stores half precision)`;
    const stored = Math.fround(x); // vector(3072) holds float4
    squares += stored * stored;
  }
  if (squares === 0) return 'a zero vector has no direction (cosine similarity is undefined)';
  if (Math.sqrt(squares) < KNOWLEDGE.minNorm) {
    return `its length ${Math.sqrt(squares).toExponential(2)} is below ${KNOWLEDGE.minNorm} (in single precision its cosine similarity is undefined)`;
  }
  return null;
}

/** A 3072-dimensional embedding (VALIDATION_ERROR naming the field otherwise). */
export const embedding = () =>
  z.custom<number[]>().superRefine((value, ctx) => {
    const problem = embeddingProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** pgvector's text form, '[0.1,-0.2,...]', for a validated embedding. */
export function vectorLiteral(values: readonly number[]): string {
  return `[${values.join(',')}]`;
}
