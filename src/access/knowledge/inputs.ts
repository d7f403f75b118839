// The inputs of the knowledge operations, derived from rag_documents with drizzle-zod where they are its
// columns, and refined where the domain says more: an embedding is 3072 finite numbers (./embedding.ts),
// metadata is a bounded JSON object whose task_numbers, if any, are task numbers, a chunk's text is not
// blank and is text PostgreSQL stores as given (no NUL, no lone surrogate), a search asks for 1 to 10 chunks.
import { createInsertSchema } from 'drizzle-zod';
import { z } from 'zod';
import { RAG_SOURCE_TYPES } from '../../db/schema/enums.js';
import { ragDocuments } from '../../db/schema/index.js';
import { boundedJson, id, storable, storageUrl, text } from '../core/validation.js';
import { embedding } from './embedding.js';
import { KNOWLEDGE } from './rules.js';

/** A CBT&A task number as the knowledge base tags it ("task_numbers": [5, 6]). */
const taskNumber = () => z.int('a task number is a whole number').min(1, 'task numbers start at 1').max(999);

/** Metadata of a document or chunk: a JSON object (16 KB, 8 levels at most); task_numbers, when
 *  present, is an array of task numbers, which is what the search's taskNumber filter matches. */
export const metadata = () =>
  boundedJson()
    .refine((v) => v !== null && typeof v === 'object' && !Array.isArray(v), 'expected a JSON object')
    .superRefine((v, ctx) => {
      const tasks = (v as Record<string, unknown>).task_numbers;
      if (tasks !== undefined && !z.array(taskNumber()).max(100).safeParse(tasks).success) {
        ctx.addIssue({ code: 'custom', path: ['task_numbers'], message: 'task_numbers is an array of task numbers (whole numbers from 1)' });
      }
    })
    .transform((v) => v as Record<string, unknown>);

const chunkText = () =>
  storable(z.string().max(KNOWLEDGE.maxChunkChars, `at most ${KNOWLEDGE.maxChunkChars} characters`))
    .refine((s) => s.trim().length > 0, 'must not be blank');

export const chunkInput = z.strictObject({ content: chunkText(), embedding: embedding(), metadata: metadata().optional() });

/** The document's own columns, as drizzle-zod derives them from rag_documents, refined. */
const documentFields = createInsertSchema(ragDocuments, {
  title: () => text(500),
  fileUrl: () => storageUrl(),
})
  .pick({ title: true, sourceType: true, fileUrl: true })
  .partial({ fileUrl: true })
  .extend({ metadata: metadata().optional() });

export const indexDocumentInput = documentFields
  .extend({
    /** Re-index this document: its chunks are replaced, all at once. Without it, a new document. */
    documentId: id().optional(),
    chunks: z.array(chunkInput).min(1, 'a document has at least one chunk').max(KNOWLEDGE.maxChunks, `at most ${KNOWLEDGE.maxChunks} chunks per document`),
  })
  .strict();

export const archiveDocumentInput = z.strictObject({ documentId: id() });

export const searchKnowledgeInput = z.strictObject({
  embedding: embedding(),
  topK: z.int().min(1, 'topK is at least 1').max(KNOWLEDGE.maxTopK, `topK is at most ${KNOWLEDGE.maxTopK}`).default(KNOWLEDGE.defaultTopK),
  minSimilarity: z.number().min(-1).max(1).default(KNOWLEDGE.defaultMinSimilarity),
  sourceTypes: z.array(z.enum(RAG_SOURCE_TYPES)).min(1, 'name at least one source type, or leave sourceTypes out').max(RAG_SOURCE_TYPES.length).optional(),
  taskNumber: taskNumber().optional(),
});
export type SearchKnowledgeInput = z.output<typeof searchKnowledgeInput>;

export const studentContextInput = z.strictObject({ studentId: id() });
