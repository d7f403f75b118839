// The SQL of a knowledge search, in one place so that tests can EXPLAIN and the benchmark can time the
// very statements searchKnowledge runs (./search.ts decides which):
//   - planSql: the search's settings for this transaction, the settings they replace, and how many
//     chunks the filters keep (which decides index or exact);
//   - indexSql: the candidates from the HNSW index. It orders by the indexed expression,
//     (embedding::halfvec(3072)) <=> $1::halfvec(3072): the index (migration 0006) is on that cast, so
//     ordering by the column itself, or by drizzle's cosineDistance(), reads and compares every chunk;
//   - exactSql: the same filters, every eligible vector compared at full precision (no index can serve
//     ORDER BY embedding <=> $1::vector(3072): the index is on the cast).
// Both rank their candidates by the full-precision cosine similarity, apply the threshold, keep the top
// k and join the document, in one statement (one snapshot).
import { sql, type SQL } from 'drizzle-orm';
import type { SearchKnowledgeInput } from './inputs.js';
import { KNOWLEDGE } from './rules.js';

/** The filters every search applies: indexed documents only, then source types and task number
 *  (metadata @> {"task_numbers": [n]} on the chunk or on its document). Over c (chunk) and d (document). */
function filters(input: Pick<SearchKnowledgeInput, 'sourceTypes' | 'taskNumber'>): SQL {
  const conditions = [sql`d.status = 'indexed'`];
  if (input.sourceTypes) conditions.push(sql`d.source_type = any(${`{${input.sourceTypes.join(',')}}`}::text[])`);
  if (input.taskNumber !== undefined) {
    const tagged = JSON.stringify({ task_numbers: [input.taskNumber] });
    conditions.push(sql`(c.metadata @> ${tagged}::jsonb or d.metadata @> ${tagged}::jsonb)`);
  }
  return sql.join(conditions, sql` and `);
}

/** The settings a search sets for its transaction (set_config(..., true) is SET LOCAL). */
export const SEARCH_SETTINGS = ['enable_sort', 'jit', 'hnsw.iterative_scan', 'hnsw.ef_search', 'hnsw.max_scan_tuples'] as const;

/**
 * One row: how many chunks the filters keep (eligible) and hold in all (indexed, archived documents
 * included: their chunks stay in the index), the settings' previous values (null: not set), and the
 * settings applied:
 *   - enable_sort off: the planner prices the cast and distance of a 12 KB vector like any operator
 *     and, under a filter, would rather sort the matching rows than walk the index; search.ts has
 *     already decided the index is the right path, and with sorting priced out the only ordered plan
 *     left is the index scan (the exact path sorts anyway: it has no other plan);
 *   - jit off: pricing sorts out adds PostgreSQL's disable_cost (1e10) to the plan's cost, far above
 *     jit_above_cost, and compiling the query would then take longer than running it;
 *   - hnsw.iterative_scan relaxed_order: when the filter rejects rows, the scan goes on past
 *     ef_search until `limit` rows pass (pgvector >= 0.8.0); relaxed order is re-sorted by exactness;
 *   - hnsw.ef_search, and hnsw.max_scan_tuples scaled so the sparsest filter the index answers is met.
 * Counting a task filter reads the chunks' metadata (not their vectors); without one, chunk_count.
 */
export function planSql(input: Pick<SearchKnowledgeInput, 'sourceTypes' | 'taskNumber'>): SQL {
  const eligible =
    input.taskNumber === undefined
      ? sql`(select coalesce(sum(d.chunk_count), 0) from rag_documents d where ${filters(input)})`
      : sql`(select count(*) from rag_chunks c join rag_documents d on d.id = c.document_id where ${filters(input)})`;
  return sql`
    with counts as materialized (
      select ${eligible}::int as eligible, (select coalesce(sum(chunk_count), 0) from rag_documents)::int as total)
    select counts.eligible, counts.total,
           current_setting('enable_sort', true) as prev_enable_sort,
           current_setting('jit', true) as prev_jit,
           current_setting('hnsw.iterative_scan', true) as prev_iterative_scan,
           current_setting('hnsw.ef_search', true) as prev_ef_search,
           current_setting('hnsw.max_scan_tuples', true) as prev_max_scan_tuples,
           set_config('enable_sort', 'off', true) as enable_sort,
           set_config('jit', 'off', true) as jit,
           set_config('hnsw.iterative_scan', 'relaxed_order', true) as iterative_scan,
           set_config('hnsw.ef_search', ${String(KNOWLEDGE.efSearch)}, true) as ef_search,
           set_config('hnsw.max_scan_tuples',
             greatest(${KNOWLEDGE.minMaxScanTuples}, ceil(4.0 * ${KNOWLEDGE.candidates} * counts.total / greatest(counts.eligible, 1)))::bigint::text,
             true) as max_scan_tuples
      from counts`;
}

/** Puts back what planSql replaced (null: back to the default), for a search inside a caller's transaction. */
export function restoreSql(previous: Record<(typeof SEARCH_SETTINGS)[number], string | null>): SQL {
  return sql`select ${sql.join(
    SEARCH_SETTINGS.map((name) => sql`set_config(${name}, ${previous[name]}::text, true)`),
    sql`, `,
  )}`;
}

/**
 * Ranks candidate chunk ids (the materialized CTE `candidates`) by full-precision similarity. One row
 * at least: candidate_count is how many candidates there were, even when none passes the threshold.
 * `scored` is materialized so that the threshold is applied to the candidates' similarities; inlined,
 * the planner may push it down into a scan of rag_chunks and compare every chunk (pgvector's README,
 * "Iterative index scans": filter by distance outside a materialized CTE).
 */
function ranked(candidates: SQL, query: string, minSimilarity: number, topK: number): SQL {
  return sql`
    with candidates as materialized (${candidates}),
    scored as materialized (
      select c.id, c.document_id, c.content, 1 - (c.embedding <=> ${query}::vector(3072)) as similarity
        from rag_chunks c
       where c.id = any(array(select id from candidates)))
    select (select count(*) from candidates)::int as candidate_count,
           t.id as chunk_id, t.document_id, d.title, d.source_type, t.content, t.similarity
      from (select 1) as one
      left join (
        select * from scored where scored.similarity >= ${minSimilarity} and scored.similarity <> 'NaN' order by scored.similarity desc, scored.id limit ${topK}
      ) t on true
      left join rag_documents d on d.id = t.document_id
     order by t.similarity desc, t.id`;
}

export interface SearchSqlInput extends Pick<SearchKnowledgeInput, 'sourceTypes' | 'taskNumber' | 'topK' | 'minSimilarity'> {
  /** The query embedding in pgvector's text form. */
  query: string;
}

/** The HNSW candidates: ordered by the indexed expression, filtered in the same scan, `candidates` rows. */
export function indexSql(input: SearchSqlInput, candidates: number = KNOWLEDGE.candidates): SQL {
  return ranked(
    sql`select c.id from rag_chunks c join rag_documents d on d.id = c.document_id
         where ${filters(input)}
         order by (c.embedding::halfvec(3072)) <=> ${input.query}::halfvec(3072)
         limit ${Math.max(candidates, input.topK)}`,
    input.query,
    input.minSimilarity,
    input.topK,
  );
}

/** Exact search: every eligible chunk compared at full precision, the best topK. */
export function exactSql(input: SearchSqlInput): SQL {
  return ranked(
    sql`select c.id from rag_chunks c join rag_documents d on d.id = c.document_id
         where ${filters(input)}
         order by c.embedding <=> ${input.query}::vector(3072), c.id
         limit ${input.topK}`,
    input.query,
    input.minSimilarity,
    input.topK,
  );
}
