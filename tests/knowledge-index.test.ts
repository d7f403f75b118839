// The vector index at work (issue 11), on both engines: a synthetic knowledge base of clustered
// 3072-dimensional chunks (tests/support/knowledge.ts; 4,000 chunks on a server, 1,200 on PGlite,
// where building the graph is slow), and searches from the same space.
//   - EXPLAIN: the search's index query is an Index Scan using idx_rag_chunks_embedding ordered by the
//     indexed expression, unfiltered and filtered; the obvious queries (ORDER BY the column, drizzle's
//     cosineDistance()) never use the index.
//   - recall@10 of the index against exact search >= 0.95, without a filter and under 10% filters,
//     and 10 rows under those filters (the iterative scan; without it the same query comes back short).
//   - searchKnowledge chooses: the index for many eligible chunks, exact for few, and exact again when
//     the index comes back short.
import { cosineDistance, sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWLEDGE } from '../src/access/index.js';
import { indexSql, planSql } from '../src/access/knowledge/search-sql.js';
import { searchWithOutcome } from '../src/access/knowledge/search.js';
import { vectorLiteral } from '../src/access/knowledge/embedding.js';
import { ragChunks, ragDocuments } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import type { EmbeddingSpace } from './support/embeddings.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { corpusSpace, loadCorpus } from './support/knowledge.js';

const CHUNKS = onServer ? 4000 : 1200;
const QUERIES = 20;

let t: TestDb;
let space: EmbeddingSpace;
let queries: number[][];
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
  space = corpusSpace({ chunks: CHUNKS });
  await loadCorpus(t.db, (statement) => t.asOwner((tx) => tx.execute(statement)), space, { chunks: CHUNKS });
  queries = Array.from({ length: QUERIES }, () => space.query());
}, 600_000);
afterAll(() => t.dispose());

const FILTERS: Array<[string, { sourceTypes?: ['faq']; taskNumber?: number }]> = [
  ['no filter', {}],
  ['a 10% source-type filter (faq)', { sourceTypes: ['faq'] }],
  ['a 10% task filter (task 3)', { taskNumber: 3 }],
];

/** The plan of the index query, as the search runs it (inside its transaction, after its settings). */
async function indexPlan(embedding: number[], filter: { sourceTypes?: ['faq']; taskNumber?: number }): Promise<string> {
  const input = { topK: 10, minSimilarity: 0.65, ...filter };
  return t.db.transaction(async (tx) => {
    await tx.execute(planSql(input));
    const [row] = await queryRows<{ 'QUERY PLAN': unknown }>(tx, sql`explain (format json) ${indexSql({ ...input, query: vectorLiteral(embedding) })}`);
    return JSON.stringify(row['QUERY PLAN']);
  });
}

async function planOf(query: SQL): Promise<string> {
  const [row] = await queryRows<{ 'QUERY PLAN': unknown }>(t.db, sql`explain (format json) ${query}`);
  return JSON.stringify(row['QUERY PLAN']);
}

const indexScan = /"Node Type":"Index Scan"[^}]*"Index Name":"idx_rag_chunks_embedding"/;

describe('EXPLAIN', () => {
  it.each(FILTERS)('the index query with %s is an Index Scan using idx_rag_chunks_embedding, ordered by the halfvec cast', async (_name, filter) => {
    const plan = await indexPlan(queries[0], filter);
    expect(plan).toMatch(indexScan);
    expect(plan).toMatch(/"Order By":"\(\(embedding\)::halfvec\(3072\) <=> /);
  });

  it('ordering by the column itself, or by drizzle cosineDistance(), never uses the index: every chunk is compared', async () => {
    const q = vectorLiteral(queries[0]);
    const byColumn = await planOf(sql`select id from rag_chunks order by embedding <=> ${q}::vector(3072) limit 10`);
    const byDrizzle = await planOf(t.db.select({ id: ragChunks.id }).from(ragChunks).orderBy(cosineDistance(ragChunks.embedding, queries[0])).limit(10).getSQL());
    for (const plan of [byColumn, byDrizzle]) {
      expect(plan).not.toContain('idx_rag_chunks_embedding');
      expect(plan).toMatch(/"Node Type":"Seq Scan"/);
    }
  });
});

const ids = (hits: Array<{ chunkId: string }>) => hits.map((h) => h.chunkId);
const overlap = (a: string[], b: string[]) => a.filter((x) => b.includes(x)).length;

describe('recall@10 against exact search', () => {
  it.each(FILTERS)('with %s: >= 0.95 over 20 questions, and 10 rows for every question', async (_name, filter) => {
    let found = 0;
    let expected = 0;
    for (const embedding of queries) {
      const input = { embedding, topK: 10, minSimilarity: -1, ...filter };
      const viaIndex = await searchWithOutcome(t.db, input, 'index');
      const exact = await searchWithOutcome(t.db, input, 'exact');
      expect(viaIndex.strategy).toBe('index');
      expect(viaIndex.hits).toHaveLength(10);
      expect(exact.hits).toHaveLength(10);
      found += overlap(ids(viaIndex.hits), ids(exact.hits));
      expected += exact.hits.length;
    }
    expect(found / expected).toBeGreaterThanOrEqual(0.95);
  });

  it('without the iterative scan, the same index query under the 10% task filter comes back short (fewer than 10 rows)', async () => {
    let rows = 0;
    for (const embedding of queries) {
      const input = { topK: 10, minSimilarity: -1, taskNumber: 3 };
      rows += await t.db.transaction(async (tx) => {
        await tx.execute(planSql(input));
        await tx.execute(sql`select set_config('hnsw.iterative_scan', 'off', true), set_config('hnsw.ef_search', '40', true)`);
        const result = await queryRows<{ chunk_id: string | null }>(tx, indexSql({ ...input, query: vectorLiteral(embedding) }, 10));
        return result.filter((r) => r.chunk_id !== null).length;
      });
    }
    expect(rows / queries.length).toBeLessThan(10);
  });
});

describe('searchKnowledge chooses the index or exact search', () => {
  it(`answers ${CHUNKS} eligible chunks through the index, and the same 5 chunks as exact search for most questions`, async () => {
    let same = 0;
    for (const embedding of queries) {
      const auto = await searchWithOutcome(t.db, { embedding, minSimilarity: -1 });
      const exact = await searchWithOutcome(t.db, { embedding, minSimilarity: -1 }, 'exact');
      expect(auto).toMatchObject({ strategy: 'index', eligibleChunks: CHUNKS });
      same += overlap(ids(auto.hits), ids(exact.hits));
    }
    expect(same / (5 * queries.length)).toBeGreaterThanOrEqual(0.95);
  });

  it(`answers a filter keeping at most ${KNOWLEDGE.exactMaxChunks} chunks exactly, with 10 rows`, async () => {
    const outcome = await searchWithOutcome(t.db, { embedding: queries[1], topK: 10, minSimilarity: -1, taskNumber: 7, sourceTypes: ['faq'] });
    expect(outcome.strategy).toBe('exact');
    expect(outcome.eligibleChunks).toBeLessThanOrEqual(KNOWLEDGE.exactMaxChunks);
    expect(outcome.hits).toHaveLength(10);
  });

  it('falls back to exact search when the index comes back short: a template document claiming 5,000 chunks holds 3', async () => {
    // chunk_count decides the path without a task filter; raw SQL can make it lie. The corpus has no
    // 'template' document, so the index scan finds 3 matching chunks however far it goes.
    const [doc] = await t.db.insert(ragDocuments).values({ title: 'Miscounted', sourceType: 'template', status: 'indexed', chunkCount: 5000 }).returning();
    await t.db.insert(ragChunks).values([0, 1, 2].map((i) => ({ documentId: doc.id, chunkIndex: i, content: `miscounted ${i}`, embedding: space.chunk(0) })));
    const outcome = await searchWithOutcome(t.db, { embedding: queries[2], topK: 5, minSimilarity: -1, sourceTypes: ['template'] });
    expect(outcome).toMatchObject({ strategy: 'index-then-exact', eligibleChunks: 5000 });
    expect(outcome.hits.map((h) => h.content).sort()).toEqual(['miscounted 0', 'miscounted 1', 'miscounted 2']);
  });
});
