// Attack (low): text the database cannot store as given passes indexDocument's validation. The chunk
// content refuses a NUL (docs/knowledge.md), but the title, the file URL and the metadata (a string
// value or a key) do not: PostgreSQL text cannot hold NUL and jsonb refuses \u0000, so the caller gets
// DATABASE_ERROR ("invalid byte sequence", "unsupported Unicode escape sequence") instead of the
// documented VALIDATION_ERROR naming the field. A lone UTF-16 surrogate in content is worse: it is
// accepted and silently stored as U+FFFD, so the chunk in the database is not the text that was given.
// Why it matters: ingestion is fed by parsers and AI agents (PDF text is a classic source of NULs and
// broken surrogate pairs); a DATABASE_ERROR looks like an outage and is retried, a silently changed
// chunk is undetectable. Nothing is written in the NUL cases (the transaction rolls back).
// Fix: one `storableText()` refinement in core/validation.ts (no \u0000, s.isWellFormed()) used by
// text(), storageUrl() and chunkText(), and a walk in boundedJson() refusing keys and strings with \u0000
// or lone surrogates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexDocument, systemActor } from '../src/access/index.js';
import { ValidationError } from '../src/db/errors.js';
import { openTestDb, type TestDb } from './support/db.js';

let t: TestDb;
const ingest = systemActor('cron:knowledge-ingest');
const DIMS = 3072;
let axis = 0;
const next = () => {
  const v = new Array<number>(DIMS).fill(0);
  v[axis++] = 1;
  return v;
};
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

/** 'ok' when it succeeded, else the error's code. */
async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (err) {
    return err instanceof ValidationError ? 'VALIDATION_ERROR' : String((err as { code?: string }).code);
  }
}

describe('indexDocument with text PostgreSQL cannot store', () => {
  it('NUL in the title, the file URL, a metadata value or a metadata key is VALIDATION_ERROR, not DATABASE_ERROR', async () => {
    const chunk = () => ({ content: 'text', embedding: next() });
    const codes = {
      title: await outcome(() => indexDocument(t.db, ingest, { title: 'Road\u0000rules', sourceType: 'faq', chunks: [chunk()] })),
      fileUrl: await outcome(() => indexDocument(t.db, ingest, { title: 'R', fileUrl: 'r2://knowledge/a\u0000.pdf', sourceType: 'faq', chunks: [chunk()] })),
      documentMetadata: await outcome(() => indexDocument(t.db, ingest, { title: 'R', sourceType: 'faq', metadata: { source: 'page\u00001' }, chunks: [chunk()] })),
      chunkMetadataKey: await outcome(() => indexDocument(t.db, ingest, { title: 'R', sourceType: 'faq', chunks: [{ ...chunk(), metadata: { ['k\u0000']: 1 } }] })),
    };
    expect(codes).toEqual({ title: 'VALIDATION_ERROR', fileUrl: 'VALIDATION_ERROR', documentMetadata: 'VALIDATION_ERROR', chunkMetadataKey: 'VALIDATION_ERROR' });
  });

  it('a lone surrogate in content is refused (or stored as given), never silently replaced by U+FFFD', async () => {
    const content = 'Give way \uD83D to the right';
    let doc;
    try {
      doc = await indexDocument(t.db, ingest, { title: 'Surrogate', sourceType: 'faq', chunks: [{ content, embedding: next() }] });
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      return;
    }
    const { ragChunks } = await import('../src/db/schema/index.js');
    const { eq } = await import('drizzle-orm');
    const [row] = await t.db.select({ content: ragChunks.content }).from(ragChunks).where(eq(ragChunks.documentId, doc.id));
    expect(row.content).toBe(content);
  });
});
