// searchKnowledge: the chunks of the school's knowledge base closest to a question's embedding, for
// the SMS, voice and web-chat agents. Public (no actor): the knowledge base holds no personal data.
//
// How (docs/knowledge.md): in one transaction, count the chunks the filters keep. Few (at most
// KNOWLEDGE.exactMaxChunks): compare every one of them exactly. More: ask the HNSW index, with pgvector's
// iterative scan on so that a filter cannot leave fewer than k rows; should the scan still come back
// short (it gives up after hnsw.max_scan_tuples), the exact search answers instead. Either way the
// candidates are ranked by their full-precision similarity, thresholded and cut to k.
import { is } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { z } from 'zod';
import type { DatabaseOrTransaction } from '../../db/engines/handle.js';
import { mapDbErrors } from '../../db/errors.js';
import type { RagSourceType } from '../../db/types.js';
import { queryRows } from '../../db/sql.js';
import { parseInput } from '../core/validation.js';
import { vectorLiteral } from './embedding.js';
import { searchKnowledgeInput, type SearchKnowledgeInput } from './inputs.js';
import { KNOWLEDGE } from './rules.js';
import { exactSql, indexSql, planSql, restoreSql, SEARCH_SETTINGS, type SearchSqlInput } from './search-sql.js';

export interface KnowledgeHit {
  chunkId: string;
  documentId: string;
  title: string;
  sourceType: RagSourceType;
  content: string;
  /** Cosine similarity to the question, from the full-precision vectors: -1 to 1, higher is closer. */
  similarity: number;
}

/** How a search was answered: exactly, by the index, or by the index and then exactly (it came back short). */
export type SearchStrategy = 'exact' | 'index' | 'index-then-exact';

export interface SearchOutcome {
  hits: KnowledgeHit[];
  strategy: SearchStrategy;
  /** Chunks the filters kept (the count that chose the strategy). */
  eligibleChunks: number;
}

interface HitRow extends Record<string, unknown> {
  candidate_count: number;
  chunk_id: string | null;
  document_id: string;
  title: string;
  source_type: RagSourceType;
  content: string;
  similarity: number | string;
}

interface PlanRow extends Record<string, unknown> {
  eligible: number;
  total: number;
  prev_enable_sort: string | null;
  prev_jit: string | null;
  prev_iterative_scan: string | null;
  prev_ef_search: string | null;
  prev_max_scan_tuples: string | null;
}

const hitsOf = (rows: HitRow[]): KnowledgeHit[] =>
  rows
    .filter((r) => r.chunk_id !== null)
    .map((r) => ({
      chunkId: r.chunk_id!,
      documentId: r.document_id,
      title: r.title,
      sourceType: r.source_type,
      content: r.content,
      similarity: Number(r.similarity),
    }));

/**
 * The search with the strategy it took, for tests and the benchmark. `force` skips the choice:
 * 'index' always asks the index (and never falls back), 'exact' never does.
 */
export async function searchWithOutcome(
  db: DatabaseOrTransaction,
  rawInput: z.input<typeof searchKnowledgeInput>,
  force?: 'index' | 'exact',
): Promise<SearchOutcome> {
  const input: SearchKnowledgeInput = parseInput(searchKnowledgeInput, rawInput);
  const sqlInput: SearchSqlInput = { ...input, query: vectorLiteral(input.embedding) };
  // Inside a caller's transaction this is a savepoint, and SET LOCAL outlives it: put the settings back.
  const nested = is(db, PgTransaction);
  return mapDbErrors(() =>
    db.transaction(async (tx) => {
      const [plan] = await queryRows<PlanRow>(tx, planSql(input));
      const strategy = force ?? (plan.eligible <= KNOWLEDGE.exactMaxChunks ? 'exact' : 'index');
      let outcome: SearchOutcome;
      if (strategy === 'exact') {
        outcome = { hits: hitsOf(await queryRows<HitRow>(tx, exactSql(sqlInput))), strategy, eligibleChunks: plan.eligible };
      } else {
        const rows = await queryRows<HitRow>(tx, indexSql(sqlInput));
        // Fewer candidates than k although the filters keep more chunks than that: the iterative scan
        // reached hnsw.max_scan_tuples first. The exact search cannot miss them.
        if (!force && rows[0].candidate_count < Math.min(input.topK, plan.eligible)) {
          outcome = { hits: hitsOf(await queryRows<HitRow>(tx, exactSql(sqlInput))), strategy: 'index-then-exact', eligibleChunks: plan.eligible };
        } else {
          outcome = { hits: hitsOf(rows), strategy: 'index', eligibleChunks: plan.eligible };
        }
      }
      if (nested) {
        await tx.execute(
          restoreSql({
            enable_sort: plan.prev_enable_sort,
            jit: plan.prev_jit,
            'hnsw.iterative_scan': plan.prev_iterative_scan,
            'hnsw.ef_search': plan.prev_ef_search,
            'hnsw.max_scan_tuples': plan.prev_max_scan_tuples,
          } satisfies Record<(typeof SEARCH_SETTINGS)[number], string | null>),
        );
      }
      return outcome;
    }),
  );
}

/**
 * The chunks closest to `embedding`, best first: `topK` of them (default 5, at most 10) with cosine
 * similarity >= `minSimilarity` (default 0.65), from indexed documents only, optionally only of
 * `sourceTypes` and only tagged with `taskNumber` (metadata @> {"task_numbers": [n]}, on the chunk or
 * its document). Bad input is VALIDATION_ERROR (an embedding is 3072 finite numbers).
 */
export async function searchKnowledge(db: DatabaseOrTransaction, input: z.input<typeof searchKnowledgeInput>): Promise<KnowledgeHit[]> {
  return (await searchWithOutcome(db, input)).hits;
}
