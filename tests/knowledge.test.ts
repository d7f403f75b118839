// The knowledge base (issue 11), on both engines, as the application's role: ingestion (one
// transaction; a re-index replaces the chunks atomically, and a failed one leaves the old chunks),
// validation of embeddings and every other input, and searchKnowledge's rules on hand-made vectors
// whose similarities to the question are known exactly: best first, top 5 by default and at most 10,
// similarity >= 0.65, indexed documents only, source type and task number filters. The index path at
// scale, recall and EXPLAIN: tests/knowledge-index.test.ts.
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveDocument, indexDocument, searchKnowledge, systemActor, type Actor } from '../src/access/index.js';
import { DbError, NotFoundError, ValidationError } from '../src/db/errors.js';
import { auditLog, ragChunks, ragDocuments } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, createAdmin, failureOf } from './support/fixtures.js';

let t: TestDb;
let admin: Actor;
const agent = systemActor('cron:knowledge-ingest');
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
  admin = actorOf.admin(await createAdmin(t.db));
});
afterAll(() => t.dispose());

const DIMS = 3072;
/** A unit vector whose cosine similarity to the question e0 is exactly `similarity` (e0 tilted towards axis `axis`). */
function atSimilarity(similarity: number, axis: number): number[] {
  const v = new Array<number>(DIMS).fill(0);
  v[0] = similarity;
  v[axis] = Math.sqrt(1 - similarity * similarity);
  return v;
}
const question = atSimilarity(1, 1);
let nextAxis = 1;
const chunk = (similarity: number, content = `chunk at ${similarity}`, metadata?: { task_numbers: number[] }) => ({
  content,
  embedding: atSimilarity(similarity, nextAxis++),
  ...(metadata ? { metadata } : {}),
});

async function auditEntries(documentId: string) {
  return t.db.select().from(auditLog).where(eq(auditLog.subjectId, documentId)).orderBy(asc(auditLog.chainPosition));
}

async function chunksOf(documentId: string) {
  return t.db.select().from(ragChunks).where(eq(ragChunks.documentId, documentId)).orderBy(asc(ragChunks.chunkIndex));
}

describe('indexDocument', () => {
  it('writes the document (indexed, chunk_count 3, last_indexed_at) and its 3 chunks in order, with one audit entry', async () => {
    const [{ now }] = await queryRows<{ now: Date | string }>(t.db, sql`select now() as now`);
    const doc = await indexDocument(t.db, agent, {
      title: 'Road rules handbook',
      sourceType: 'regulation',
      fileUrl: 'r2://knowledge/road-rules.pdf',
      metadata: { edition: 2026 },
      chunks: [chunk(0.9, 'Give way to the right'), chunk(0.8, 'Stop at a stop sign', { task_numbers: [5] }), chunk(0.7, 'Keep left')],
    });
    expect(doc).toMatchObject({ title: 'Road rules handbook', sourceType: 'regulation', fileUrl: 'r2://knowledge/road-rules.pdf', status: 'indexed', chunkCount: 3, metadata: { edition: 2026 } });
    expect(doc.lastIndexedAt!.getTime()).toBeGreaterThanOrEqual(new Date(now).getTime());
    const rows = await chunksOf(doc.id);
    expect(rows.map((r) => [r.chunkIndex, r.content, r.metadata])).toEqual([
      [0, 'Give way to the right', {}],
      [1, 'Stop at a stop sign', { task_numbers: [5] }],
      [2, 'Keep left', {}],
    ]);
    // The vector is stored as given (single precision): its first component is the similarity.
    expect(rows[0].embedding).toHaveLength(DIMS);
    expect(rows[0].embedding![0]).toBeCloseTo(0.9, 6);
    const audits = await auditEntries(doc.id);
    expect(audits.map((a) => [a.eventType, a.actorRole, a.details])).toEqual([
      ['KNOWLEDGE_DOCUMENT_INDEXED', 'system', { sourceType: 'regulation', chunkCount: 3, reindexed: false, previousChunkCount: null, systemActor: 'cron:knowledge-ingest' }],
    ]);
  });

  it('re-indexing replaces all chunks of the document (2 old -> 3 new, same document id) and says so in the audit entry', async () => {
    const doc = await indexDocument(t.db, admin, { title: 'FAQ v1', sourceType: 'faq', chunks: [chunk(0.9, 'old one'), chunk(0.9, 'old two')] });
    const again = await indexDocument(t.db, admin, {
      documentId: doc.id, title: 'FAQ v2', sourceType: 'faq', chunks: [chunk(0.9, 'new one'), chunk(0.9, 'new two'), chunk(0.9, 'new three')],
    });
    expect(again).toMatchObject({ id: doc.id, title: 'FAQ v2', chunkCount: 3, status: 'indexed' });
    expect((await chunksOf(doc.id)).map((r) => r.content)).toEqual(['new one', 'new two', 'new three']);
    const audits = await auditEntries(doc.id);
    expect(audits.map((a) => (a.details as { reindexed: boolean; previousChunkCount: number | null }))).toMatchObject([
      { reindexed: false, previousChunkCount: null },
      { reindexed: true, previousChunkCount: 2 },
    ]);
    expect(audits[1].actorId).toBe((admin as { userId: string }).userId);
  });

  it('a re-index that fails in its second INSERT batch (chunk 101) leaves the old 2 chunks, title and count, and writes no audit entry', async () => {
    const doc = await indexDocument(t.db, admin, { title: 'Stable', sourceType: 'business', chunks: [chunk(0.9, 'keep me'), chunk(0.8, 'and me')] });
    const before = await chunksOf(doc.id);
    // A trigger (installed by the owner for this test) refuses one chunk of the second batch of 100,
    // after the old chunks were deleted and the first 100 new ones written.
    await t.asOwner(async (tx) => {
      await tx.execute(sql`create function test_refuse_chunk() returns trigger language plpgsql as $$
        begin if new.content = 'poison' then raise exception 'refused by the test'; end if; return new; end $$`);
      await tx.execute(sql`create trigger test_refuse_chunk before insert on rag_chunks for each row execute function test_refuse_chunk()`);
    });
    try {
      const chunks = Array.from({ length: 101 }, (_, i) => chunk(0.5, i === 100 ? 'poison' : `replacement ${i}`));
      const err = await failureOf(() => indexDocument(t.db, admin, { documentId: doc.id, title: 'Replaced', sourceType: 'business', chunks }));
      expect(err).toBeInstanceOf(DbError);
      expect((err as DbError).message).toContain('refused by the test');
      const newDoc = await failureOf(() => indexDocument(t.db, admin, { title: 'Never written', sourceType: 'business', chunks: [chunk(0.5, 'poison')] }));
      expect(newDoc).toBeInstanceOf(DbError);
    } finally {
      await t.asOwner(async (tx) => {
        await tx.execute(sql`drop trigger test_refuse_chunk on rag_chunks`);
        await tx.execute(sql`drop function test_refuse_chunk()`);
      });
    }
    expect(await chunksOf(doc.id)).toEqual(before);
    const [row] = await t.db.select().from(ragDocuments).where(eq(ragDocuments.id, doc.id));
    expect(row).toMatchObject({ title: 'Stable', chunkCount: 2, status: 'indexed' });
    expect(await t.db.$count(ragDocuments, eq(ragDocuments.title, 'Never written'))).toBe(0);
    expect((await auditEntries(doc.id)).map((a) => a.eventType)).toEqual(['KNOWLEDGE_DOCUMENT_INDEXED']);
  });

  it('refuses a re-index of a document that does not exist (NOT_FOUND)', async () => {
    const err = await failureOf(() => indexDocument(t.db, admin, { documentId: '00000000-0000-4000-8000-000000000000', title: 'X', sourceType: 'faq', chunks: [chunk(0.9)] }));
    expect(err).toBeInstanceOf(NotFoundError);
  });

  describe('refuses bad input with VALIDATION_ERROR naming the field, and writes nothing', () => {
    const good = () => ({ title: 'Valid', sourceType: 'faq' as const, chunks: [chunk(0.9)] });
    const withEmbedding = (embedding: unknown) => ({ ...good(), chunks: [{ content: 'c', embedding: embedding as number[] }] });
    const tooBig = atSimilarity(0.5, 3);
    tooBig[7] = 70_000;
    const cases: Array<[string, unknown, string, RegExp]> = [
      ['3071 numbers', withEmbedding(new Array(3071).fill(0.01)), 'chunks.0.embedding', /expected 3072 numbers, got 3071/],
      ['3073 numbers', withEmbedding(new Array(3073).fill(0.01)), 'chunks.0.embedding', /got 3073/],
      ['a NaN', withEmbedding(Object.assign(new Array(3072).fill(0.01), { 5: Number.NaN })), 'chunks.0.embedding', /element 5 is not a finite number \(NaN\)/],
      ['an Infinity', withEmbedding(Object.assign(new Array(3072).fill(0.01), { 9: Number.POSITIVE_INFINITY })), 'chunks.0.embedding', /element 9 is not a finite number/],
      ['a string element', withEmbedding(Object.assign(new Array(3072).fill(0.01), { 2: '0.5' })), 'chunks.0.embedding', /element 2 is not a finite number \(string\)/],
      ['a component half precision cannot hold', withEmbedding(tooBig), 'chunks.0.embedding', /element 7 is outside ±65504/],
      ['a zero vector', withEmbedding(new Array(3072).fill(0)), 'chunks.0.embedding', /zero vector/],
      ['no array', withEmbedding('[0.1, 0.2]'), 'chunks.0.embedding', /expected an array of 3072 numbers/],
      ['no chunks', { ...good(), chunks: [] }, 'chunks', /at least one chunk/],
      ['a blank chunk', { ...good(), chunks: [{ ...chunk(0.9), content: '  \n ' }] }, 'chunks.0.content', /blank/],
      ['a NUL in a chunk', { ...good(), chunks: [{ ...chunk(0.9), content: 'a\u0000b' }] }, 'chunks.0.content', /NUL/],
      ['metadata that is an array', { ...good(), metadata: [1, 2] }, 'metadata', /JSON object/],
      ['task_numbers that are not numbers', { ...good(), chunks: [{ ...chunk(0.9), metadata: { task_numbers: ['five'] } }] }, 'chunks.0.metadata.task_numbers', /task numbers/],
      ['an unknown source type', { ...good(), sourceType: 'rumour' }, 'sourceType', /./],
      ['an unknown field', { ...good(), status: 'indexed' }, 'input', /status/],
    ];
    it.each(cases)('%s', async (_name, input, field, message) => {
      const before = await t.db.$count(ragDocuments);
      const err = await failureOf(() => indexDocument(t.db, admin, input as Parameters<typeof indexDocument>[2]));
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).fields).toContain(field);
      expect((err as ValidationError).message).toMatch(message);
      expect(await t.db.$count(ragDocuments)).toBe(before);
    });
  });
});

describe('archiveDocument', () => {
  it('takes the document out of search, keeps its chunks, and a second archive writes no second audit entry', async () => {
    const doc = await indexDocument(t.db, admin, { title: 'To retire', sourceType: 'blog', chunks: [chunk(0.99, 'retired content')] });
    expect((await searchKnowledge(t.db, { embedding: question, sourceTypes: ['blog'] })).map((h) => h.content)).toEqual(['retired content']);
    expect(await archiveDocument(t.db, agent, { documentId: doc.id })).toMatchObject({ status: 'archived', chunkCount: 1 });
    await archiveDocument(t.db, agent, { documentId: doc.id });
    expect(await searchKnowledge(t.db, { embedding: question, sourceTypes: ['blog'] })).toEqual([]);
    expect(await chunksOf(doc.id)).toHaveLength(1);
    expect((await auditEntries(doc.id)).map((a) => a.eventType)).toEqual(['KNOWLEDGE_DOCUMENT_INDEXED', 'KNOWLEDGE_DOCUMENT_ARCHIVED']);
    // Re-indexing brings it back.
    await indexDocument(t.db, admin, { documentId: doc.id, title: 'Back', sourceType: 'blog', chunks: [chunk(0.98, 'back again')] });
    expect((await searchKnowledge(t.db, { embedding: question, sourceTypes: ['blog'] })).map((h) => h.content)).toEqual(['back again']);
  });

  it('refuses a document that does not exist (NOT_FOUND)', async () => {
    expect(await failureOf(() => archiveDocument(t.db, admin, { documentId: '00000000-0000-4000-8000-000000000000' }))).toBeInstanceOf(NotFoundError);
  });
});

describe('searchKnowledge', () => {
  // A fresh database per describe would cost a template copy; instead this corpus uses the one source
  // type no other test here writes ('template'), and every search below filters on it.
  const only = { sourceTypes: ['template' as const] };
  const sims = [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.66, 0.64, 0.6, 0.5, 0.3, 0.92];
  beforeAll(async () => {
    await indexDocument(t.db, admin, {
      title: 'Templates',
      sourceType: 'template',
      chunks: sims.map((s) => chunk(s, `t ${s}`)),
    });
  });

  it('returns the 5 most similar chunks by default, best first, with their exact similarities (0.95, 0.92, 0.9, 0.85, 0.8)', async () => {
    const hits = await searchKnowledge(t.db, { embedding: question, ...only });
    expect(hits.map((h) => h.content)).toEqual(['t 0.95', 't 0.92', 't 0.9', 't 0.85', 't 0.8']);
    hits.forEach((h, i) => expect(h.similarity).toBeCloseTo([0.95, 0.92, 0.9, 0.85, 0.8][i], 5));
    expect(hits[0]).toMatchObject({ title: 'Templates', sourceType: 'template' });
  });

  it('returns at most topK = 10, only those with similarity >= 0.65 (8 of 12), or >= minSimilarity when given', async () => {
    expect((await searchKnowledge(t.db, { embedding: question, topK: 10, ...only })).map((h) => h.content)).toEqual(
      ['t 0.95', 't 0.92', 't 0.9', 't 0.85', 't 0.8', 't 0.75', 't 0.7', 't 0.66'],
    );
    expect(await searchKnowledge(t.db, { embedding: question, topK: 10, minSimilarity: 0.4, ...only })).toHaveLength(10);
    expect((await searchKnowledge(t.db, { embedding: question, topK: 3, minSimilarity: 0.9, ...only })).map((h) => h.content)).toEqual(['t 0.95', 't 0.92', 't 0.9']);
    expect(await searchKnowledge(t.db, { embedding: question, minSimilarity: 0.99, ...only })).toEqual([]);
  });

  it('searches indexed documents only: pending, processing, failed and archived documents are never answered', async () => {
    for (const status of ['pending', 'processing', 'failed', 'archived'] as const) {
      const [doc] = await t.db.insert(ragDocuments).values({ title: status, sourceType: 'template', status }).returning();
      await t.db.insert(ragChunks).values({ documentId: doc.id, chunkIndex: 0, content: `${status} chunk`, embedding: atSimilarity(0.99, nextAxis++) });
    }
    const hits = await searchKnowledge(t.db, { embedding: question, topK: 10, minSimilarity: -1, ...only });
    expect(hits).toHaveLength(10);
    expect(hits.filter((h) => !h.content.startsWith('t '))).toEqual([]);
  });

  it('filters by source type (regulation and faq only) and by task number on the chunk or its document', async () => {
    const regulation = await indexDocument(t.db, admin, {
      title: 'Task-tagged regulation', sourceType: 'regulation',
      chunks: [chunk(0.97, 'about task 15', { task_numbers: [15] }), chunk(0.96, 'about tasks 16 and 17', { task_numbers: [16, 17] }), chunk(0.955, 'untagged')],
    });
    await indexDocument(t.db, admin, { title: 'Whole FAQ on task 18', sourceType: 'faq', metadata: { task_numbers: [18] }, chunks: [chunk(0.965, 'faq chunk')] });
    await indexDocument(t.db, admin, { title: 'Educational', sourceType: 'educational', chunks: [chunk(0.999, 'educational, task 15', { task_numbers: [15] })] });

    const types = await searchKnowledge(t.db, { embedding: question, topK: 10, sourceTypes: ['regulation', 'faq'] });
    expect(new Set(types.map((h) => h.sourceType))).toEqual(new Set(['regulation', 'faq']));
    expect(types.map((h) => h.content)).toContain('faq chunk');
    expect(types.map((h) => h.content)).not.toContain('educational, task 15');

    expect((await searchKnowledge(t.db, { embedding: question, taskNumber: 15 })).map((h) => h.content)).toEqual(['educational, task 15', 'about task 15']);
    expect((await searchKnowledge(t.db, { embedding: question, taskNumber: 17 })).map((h) => h.content)).toEqual(['about tasks 16 and 17']);
    expect((await searchKnowledge(t.db, { embedding: question, taskNumber: 18 })).map((h) => h.content)).toEqual(['faq chunk']);
    expect(await searchKnowledge(t.db, { embedding: question, taskNumber: 19 })).toEqual([]);
    const both = await searchKnowledge(t.db, { embedding: question, taskNumber: 15, sourceTypes: ['regulation'] });
    expect(both.map((h) => [h.content, h.documentId])).toEqual([['about task 15', regulation.id]]);
  });

  it('answers [] when nothing is eligible', async () => {
    expect(await searchKnowledge(t.db, { embedding: question, sourceTypes: ['template'], taskNumber: 23 })).toEqual([]);
  });

  describe('refuses bad input with VALIDATION_ERROR naming the field', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['an embedding of 3071 numbers', { embedding: new Array(3071).fill(0.1) }, 'embedding'],
      ['an embedding with NaN', { embedding: Object.assign(new Array(3072).fill(0.1), { 0: Number.NaN }) }, 'embedding'],
      ['topK 0', { embedding: question, topK: 0 }, 'topK'],
      ['topK 11', { embedding: question, topK: 11 }, 'topK'],
      ['topK 2.5', { embedding: question, topK: 2.5 }, 'topK'],
      ['minSimilarity 1.5', { embedding: question, minSimilarity: 1.5 }, 'minSimilarity'],
      ['an unknown source type', { embedding: question, sourceTypes: ['rumour'] }, 'sourceTypes.0'],
      ['no source types', { embedding: question, sourceTypes: [] }, 'sourceTypes'],
      ['task number 0', { embedding: question, taskNumber: 0 }, 'taskNumber'],
      ['an unknown field', { embedding: question, status: 'archived' }, 'input'],
    ];
    it.each(cases)('%s', async (_name, input, field) => {
      const err = await failureOf(() => searchKnowledge(t.db, input as Parameters<typeof searchKnowledge>[1]));
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).fields).toContain(field);
    });
  });

  it("inside a caller's transaction, puts back every setting it changed (enable_sort on, jit and hnsw.ef_search as the caller set them)", async () => {
    const after = await t.db.transaction(async (tx) => {
      await tx.execute(sql`set local hnsw.ef_search = 77`);
      await tx.execute(sql`set local jit = off`);
      const hits = await searchKnowledge(tx, { embedding: question, ...only });
      expect(hits).toHaveLength(5);
      const [row] = await queryRows<Record<string, string>>(
        tx,
        sql`select current_setting('enable_sort') as enable_sort, current_setting('jit') as jit, current_setting('hnsw.ef_search') as ef_search,
                   current_setting('hnsw.iterative_scan') as iterative_scan`,
      );
      return row;
    });
    expect(after).toEqual({ enable_sort: 'on', jit: 'off', ef_search: '77', iterative_scan: 'off' });
  });

  it('does not keep its settings after its own transaction (enable_sort is on again)', async () => {
    await searchKnowledge(t.db, { embedding: question, ...only });
    const [row] = await queryRows<{ enable_sort: string }>(t.db, sql`select current_setting('enable_sort') as enable_sort`);
    expect(row.enable_sort).toBe('on');
  });
});
