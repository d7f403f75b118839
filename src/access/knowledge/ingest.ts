// Ingestion: a document and all its embedded chunks written in one transaction (status 'indexed',
// chunk_count, last_indexed_at at the database's clock), and archiving. Re-indexing (documentId given)
// locks the document row, deletes its chunks and writes the new ones in that same transaction, so a
// search sees the old chunks or the new ones, never a mix or none, and a re-index that fails anywhere
// leaves the old chunks. Admins and system actors (the ingestion job) only: the matrix's school cell.
import { eq, sql } from 'drizzle-orm';
import { NotFoundError } from '../../db/errors.js';
import { ragChunks, ragDocuments } from '../../db/schema/index.js';
import { recordAudit, changeWithAudit } from '../core/audit.js';
import { defineOperation } from '../core/operation.js';
import { archiveDocumentInput, indexDocumentInput } from './inputs.js';
import { KNOWLEDGE } from './rules.js';
import { documentColumns, type KnowledgeDocument } from './views.js';

export const indexDocument = defineOperation({
  name: 'indexDocument',
  kind: 'write',
  input: indexDocumentInput,
  async run(ctx, input): Promise<KnowledgeDocument> {
    ctx.school();
    const fields = {
      title: input.title,
      sourceType: input.sourceType,
      fileUrl: input.fileUrl ?? null,
      metadata: input.metadata ?? {},
      status: 'indexed' as const,
      chunkCount: input.chunks.length,
      lastIndexedAt: sql`now()`,
    };
    let documentId: string;
    let previousChunkCount: number | null = null;
    if (input.documentId) {
      // The row lock serializes two re-indexes of one document; searches are not blocked.
      const [existing] = await ctx.tx
        .select({ id: ragDocuments.id, chunkCount: ragDocuments.chunkCount })
        .from(ragDocuments)
        .where(eq(ragDocuments.id, input.documentId))
        .for('update');
      if (!existing) throw new NotFoundError(`document ${input.documentId} not found`);
      documentId = existing.id;
      previousChunkCount = existing.chunkCount;
      await ctx.tx.delete(ragChunks).where(eq(ragChunks.documentId, documentId));
      await ctx.tx.update(ragDocuments).set(fields).where(eq(ragDocuments.id, documentId));
    } else {
      [{ id: documentId }] = await ctx.tx.insert(ragDocuments).values(fields).returning({ id: ragDocuments.id });
    }
    // In batches: one statement per 100 chunks keeps each under a few MB of vector text.
    for (let start = 0; start < input.chunks.length; start += KNOWLEDGE.insertBatch) {
      const batch = input.chunks.slice(start, start + KNOWLEDGE.insertBatch);
      await ctx.tx.insert(ragChunks).values(
        batch.map((chunk, i) => ({ documentId, chunkIndex: start + i, content: chunk.content, embedding: chunk.embedding, metadata: chunk.metadata ?? {} })),
      );
    }
    await recordAudit(ctx, {
      eventType: 'KNOWLEDGE_DOCUMENT_INDEXED',
      subjectType: 'rag_document',
      subjectId: documentId,
      details: { sourceType: input.sourceType, chunkCount: input.chunks.length, reindexed: previousChunkCount !== null, previousChunkCount },
    });
    const [document] = await ctx.tx.select(documentColumns).from(ragDocuments).where(eq(ragDocuments.id, documentId));
    return document;
  },
});

/** Takes a document out of search (status 'archived'). Its chunks are kept; re-indexing it brings it
 *  back with new chunks. Archiving an archived document changes nothing and writes no audit entry. */
export const archiveDocument = defineOperation({
  name: 'archiveDocument',
  kind: 'write',
  input: archiveDocumentInput,
  async run(ctx, { documentId }): Promise<KnowledgeDocument> {
    ctx.school();
    const [existing] = await ctx.tx.select({ status: ragDocuments.status }).from(ragDocuments).where(eq(ragDocuments.id, documentId)).for('update');
    if (!existing) throw new NotFoundError(`document ${documentId} not found`);
    if (existing.status !== 'archived') {
      // the change, its entry and the document as it now is, in one statement
      const [archived] = await changeWithAudit(
        ctx,
        ctx.tx.update(ragDocuments).set({ status: 'archived' }).where(eq(ragDocuments.id, documentId)).returning(documentColumns),
        { eventType: 'KNOWLEDGE_DOCUMENT_ARCHIVED', subjectType: 'rag_document', subjectId: documentId, details: { previousStatus: existing.status } },
      );
      return archived;
    }
    const [document] = await ctx.tx.select(documentColumns).from(ragDocuments).where(eq(ragDocuments.id, documentId));
    return document;
  },
});
