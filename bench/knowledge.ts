// Section: knowledge (issue 11). A synthetic knowledge base of BENCH_RAG_ROWS chunks (default 20,000)
// of 3072 dimensions, clustered like text embeddings (tests/support/embeddings.ts: seeded, so every
// run holds the same vectors), in documents of 20 chunks, loaded through indexDocument with the HNSW
// index dropped, then:
//   1. the index build (CREATE INDEX of migration 0006) timed, with maintenance_work_mem 1GB for it;
//   2. BENCH_RAG_QUERIES questions (default 100, after 10 warm-ups), each asked in turns as
//      searchKnowledge top-5 and top-10 (alternately first), then exact search top-10 (the baseline: every
//      eligible vector compared, what searchKnowledge does for small filtered sets), without a filter,
//      under a 10% source-type filter (every 10th document is an FAQ) and under a 10% task filter
//      (chunk metadata); p50 and p95 latency of each, the strategy searchKnowledge took, and recall@10
//      of searchKnowledge's top-10 against the exact top-10 of the same question in the same run;
//   3. the plan of the index query (EXPLAIN), to show the figures are the index's.
// The machine's load average is printed before and after: the machine is shared, read the ratios.
import { loadavg } from 'node:os';
import { sql } from 'drizzle-orm';
import { KNOWLEDGE } from '../src/access/index.js';
import { vectorLiteral } from '../src/access/knowledge/embedding.js';
import { indexSql, planSql } from '../src/access/knowledge/search-sql.js';
import { searchWithOutcome, type SearchOutcome } from '../src/access/knowledge/search.js';
import type { Database } from '../src/db/engines/handle.js';
import { queryRows } from '../src/db/sql.js';
import { corpusSpace, loadCorpus } from '../tests/support/knowledge.js';
import { fixed, int, positiveInt } from './measure.js';
import type { SummaryRow } from './report.js';

const ROWS = positiveInt('BENCH_RAG_ROWS', 20_000);
const QUERIES = positiveInt('BENCH_RAG_QUERIES', 100);
const WARMUP = 10;
const BUILD_MEMORY = '1GB';

const FILTERS = [
  { name: 'no filter', filter: {} },
  { name: '10% filter (source type faq)', filter: { sourceTypes: ['faq' as const] } },
  { name: '10% filter (task 3, chunk metadata)', filter: { taskNumber: 3 } },
];

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

async function timed(call: () => Promise<SearchOutcome>): Promise<{ ms: number; outcome: SearchOutcome }> {
  const started = performance.now();
  const outcome = await call();
  return { ms: performance.now() - started, outcome };
}

interface FilterFigures {
  name: string;
  eligible: number;
  top5: number[];
  top10: number[];
  exact: number[];
  recall: number;
  strategies: string;
}

export async function benchKnowledge(db: Database, heading: (text: string) => void): Promise<SummaryRow[]> {
  heading(`Knowledge: ${int(ROWS)} chunks of 3072 dimensions (clustered, seeded), documents of 20 chunks, loaded through indexDocument`);
  console.log(`  load average (1, 5, 15 min) before: ${load()}`);
  const space = corpusSpace({ chunks: ROWS });
  const owner = (statement: Parameters<Database['execute']>[0]) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('maintenance_work_mem', ${BUILD_MEMORY}, true)`);
      return tx.execute(statement);
    });
  const { loadSeconds, buildSeconds } = await loadCorpus(db, owner, space, { chunks: ROWS });
  const [sizes] = await queryRows<{ table: string; index: string; workers: string }>(
    db,
    sql`select pg_size_pretty(pg_total_relation_size('rag_chunks')) as table, pg_size_pretty(pg_relation_size('idx_rag_chunks_embedding')) as index,
               current_setting('max_parallel_maintenance_workers') as workers`,
  );
  console.log(`  load: ${loadSeconds.toFixed(1)} s (${int(ROWS / loadSeconds)} chunks/s through indexDocument, index dropped)`);
  console.log(
    `  index build (HNSW m=16, ef_construction=64 on embedding::halfvec(3072), maintenance_work_mem ${BUILD_MEMORY}, ` +
      `max_parallel_maintenance_workers ${sizes.workers}): ${buildSeconds.toFixed(1)} s; index ${sizes.index}, rag_chunks with TOAST ${sizes.table}`,
  );
  console.log(
    `  search settings: hnsw.ef_search ${KNOWLEDGE.efSearch}, ${KNOWLEDGE.candidates} candidates re-ranked at full precision, ` +
      `iterative scan relaxed_order, exact below ${int(KNOWLEDGE.exactMaxChunks)} eligible chunks`,
  );

  const questions = Array.from({ length: QUERIES + WARMUP }, () => space.query());
  const figures: FilterFigures[] = [];
  for (const { name, filter } of FILTERS) {
    const f: FilterFigures = { name, eligible: 0, top5: [], top10: [], exact: [], recall: 0, strategies: '' };
    const strategies = new Map<string, number>();
    let found = 0;
    let expected = 0;
    for (const [i, embedding] of questions.entries()) {
      const input = { embedding, minSimilarity: -1, ...filter };
      // The first call of a question reads its part of the index into the cache: alternate which goes first.
      const top5 = () => timed(() => searchWithOutcome(db, { ...input, topK: 5 }));
      const top10 = () => timed(() => searchWithOutcome(db, { ...input, topK: 10 }));
      let five: Awaited<ReturnType<typeof top5>>;
      let ten: Awaited<ReturnType<typeof top10>>;
      if (i % 2 === 0) {
        five = await top5();
        ten = await top10();
      } else {
        ten = await top10();
        five = await top5();
      }
      const exact = await timed(() => searchWithOutcome(db, { ...input, topK: 10 }, 'exact'));
      if (i < WARMUP) continue;
      f.top5.push(five.ms);
      f.top10.push(ten.ms);
      f.exact.push(exact.ms);
      f.eligible = ten.outcome.eligibleChunks;
      for (const s of [five.outcome.strategy, ten.outcome.strategy]) strategies.set(s, (strategies.get(s) ?? 0) + 1);
      const exactIds = exact.outcome.hits.map((h) => h.chunkId);
      found += ten.outcome.hits.filter((h) => exactIds.includes(h.chunkId)).length;
      expected += exactIds.length;
    }
    f.recall = found / expected;
    f.strategies = [...strategies].map(([s, n]) => `${s} ${n}`).join(', ');
    figures.push(f);
    console.log(
      `  ${name} (${int(f.eligible)} eligible chunks; ${f.strategies}): ` +
        `top-5 p50 ${fixed(percentile(f.top5, 0.5))} ms, p95 ${fixed(percentile(f.top5, 0.95))} ms; ` +
        `top-10 p50 ${fixed(percentile(f.top10, 0.5))} ms, p95 ${fixed(percentile(f.top10, 0.95))} ms; ` +
        `exact top-10 p50 ${fixed(percentile(f.exact, 0.5))} ms, p95 ${fixed(percentile(f.exact, 0.95))} ms; recall@10 ${fixed(f.recall, 3)}`,
    );
  }

  const plan = await db.transaction(async (tx) => {
    const input = { topK: 10, minSimilarity: 0.65, sourceTypes: ['faq' as const] };
    await tx.execute(planSql(input));
    const rows = await queryRows<{ 'QUERY PLAN': string }>(tx, sql`explain ${indexSql({ ...input, query: vectorLiteral(questions[0]) })}`);
    return rows.map((r) => r['QUERY PLAN']).filter((line) => /Index Scan using idx_rag_chunks_embedding|Order By: \(\(embedding/.test(line));
  });
  console.log(`  plan of the index query (10% filter): ${plan.map((l) => l.trim().replace(/'\[[^\]]*\]'/, "'[...]'")).join(' / ')}`);
  console.log(`  load average after: ${load()}`);

  const rows: SummaryRow[] = [{ figure: `knowledge: HNSW index build, ${int(ROWS)} chunks, s`, value: fixed(buildSeconds, 1), baseline: '-', ratio: '-', target: '-', met: null }];
  for (const f of figures) {
    const exact50 = percentile(f.exact, 0.5);
    for (const [k, times] of [[5, f.top5], [10, f.top10]] as const) {
      const p50 = percentile(times, 0.5);
      rows.push({
        figure: `knowledge top-${k} p50 ms, ${f.name} (vs exact top-10 p50)`,
        value: fixed(p50),
        baseline: fixed(exact50),
        ratio: fixed(p50 / exact50),
        target: '-',
        met: null,
      });
      rows.push({
        figure: `knowledge top-${k} p95 ms, ${f.name} (vs exact top-10 p95)`,
        value: fixed(percentile(times, 0.95)),
        baseline: fixed(percentile(f.exact, 0.95)),
        ratio: fixed(percentile(times, 0.95) / percentile(f.exact, 0.95)),
        target: '-',
        met: null,
      });
    }
    rows.push({ figure: `knowledge recall@10, ${f.name} (vs exact search)`, value: fixed(f.recall, 3), baseline: '1.000', ratio: fixed(f.recall, 3), target: '>= 0.95', met: f.recall >= 0.95 });
  }
  return rows;
}
