// A synthetic knowledge base for the index tests and the benchmark (bench/knowledge.ts imports this
// file): documents of clustered chunks (./embeddings.ts), loaded through indexDocument as a system
// actor, with the HNSW index dropped during the load and rebuilt after it by the statement of
// migration 0006 (the way a bulk load is done: building once is far cheaper than growing the graph
// one insert at a time, on PGlite above all). Filters the searches use select about 10% each:
//   - every 10th document is 'faq' (the others cycle regulation, business, educational, blog; no
//     document is a 'template', so a test can add one that is alone of its type);
//   - chunk i is tagged task_numbers [1 + i % 10].
import { readFileSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';
import { indexDocument, systemActor } from '../../src/access/index.js';
import type { DatabaseOrTransaction } from '../../src/db/engines/handle.js';
import type { RagSourceType } from '../../src/db/types.js';
import { EmbeddingSpace } from './embeddings.js';

/** CREATE INDEX idx_rag_chunks_embedding ..., exactly as migration 0006 creates it. */
export const VECTOR_INDEX_SQL = readFileSync(new URL('../../drizzle/migrations/0006_rag_vector_index.sql', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => !line.startsWith('--'))
  .join('\n')
  .trim();

const OTHER_TYPES: RagSourceType[] = ['regulation', 'business', 'educational', 'blog'];
export const sourceTypeOf = (document: number): RagSourceType => (document % 10 === 0 ? 'faq' : OTHER_TYPES[document % OTHER_TYPES.length]);
/** The task a chunk is tagged with: 1..10, each on 10% of the chunks. */
export const taskOf = (chunk: number) => 1 + (chunk % 10);

export interface CorpusOptions {
  chunks: number;
  chunksPerDocument?: number;
  seed?: number;
}

/** The space a corpus of `chunks` chunks is drawn from: one topic per 400 chunks (at least 8), 8
 *  subtopics each, so a subtopic holds about 50 chunks. Queries come from the same space. */
export function corpusSpace(options: CorpusOptions): EmbeddingSpace {
  return new EmbeddingSpace({ seed: options.seed ?? 11, topics: Math.max(8, Math.round(options.chunks / 400)), subtopicsPerTopic: 8 });
}

/**
 * Loads the corpus: drops the vector index (as `owner`), indexes the documents, rebuilds the index and
 * analyzes. Returns the seconds the load and the index build took.
 */
export async function loadCorpus(
  db: DatabaseOrTransaction,
  owner: (statement: SQL) => Promise<unknown>,
  space: EmbeddingSpace,
  options: CorpusOptions,
): Promise<{ loadSeconds: number; buildSeconds: number }> {
  const perDocument = options.chunksPerDocument ?? 20;
  const agent = systemActor('cron:knowledge-corpus');
  await owner(sql`drop index if exists idx_rag_chunks_embedding`);
  const loadStart = performance.now();
  for (let document = 0, chunk = 0; chunk < options.chunks; document++) {
    const topic = Math.floor(space.random() * space.topics);
    const count = Math.min(perDocument, options.chunks - chunk);
    await indexDocument(db, agent, {
      title: `Synthetic document ${document}`,
      sourceType: sourceTypeOf(document),
      chunks: Array.from({ length: count }, (_, i) => ({
        content: `chunk ${chunk + i} of document ${document} (topic ${topic})`,
        embedding: space.chunk(topic),
        metadata: { task_numbers: [taskOf(chunk + i)] },
      })),
    });
    chunk += count;
  }
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const buildStart = performance.now();
  await owner(sql.raw(VECTOR_INDEX_SQL));
  const buildSeconds = (performance.now() - buildStart) / 1000;
  await owner(sql`analyze rag_chunks`);
  await owner(sql`analyze rag_documents`);
  return { loadSeconds, buildSeconds };
}
