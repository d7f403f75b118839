// RAG knowledge base: source documents and their embedded chunks
// (text-embedding-3-large, 3072 dimensions).
import { relations, sql } from 'drizzle-orm';
import {
  check, index, integer, jsonb, pgTable, text, uuid, vector,
} from 'drizzle-orm/pg-core';
import { checkOneOf, createdAt, timestamptz, updatedAt } from './columns.js';
import { RAG_DOCUMENT_STATUSES, RAG_SOURCE_TYPES } from './enums.js';

// ─────────────────────────────────────────────
// RAG_DOCUMENTS
// Knowledge base document metadata.
// ─────────────────────────────────────────────
export const ragDocuments = pgTable('rag_documents', {
  id: uuid('id').primaryKey().defaultRandom(),

  title: text('title').notNull(),
  sourceType: text('source_type', { enum: RAG_SOURCE_TYPES }).notNull(),
  fileUrl: text('file_url'),

  status: text('status', { enum: RAG_DOCUMENT_STATUSES }).notNull().default('pending'),
  chunkCount: integer('chunk_count').default(0),
  lastIndexedAt: timestamptz('last_indexed_at'),

  metadata: jsonb('metadata').default(sql`'{}'::jsonb`),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, () => [
  checkOneOf('rag_documents_source_type_check', 'source_type', RAG_SOURCE_TYPES),
  checkOneOf('rag_documents_status_check', 'status', RAG_DOCUMENT_STATUSES),
]);

// ─────────────────────────────────────────────
// RAG_CHUNKS
// Embedded document chunks for retrieval.
// ─────────────────────────────────────────────
export const ragChunks = pgTable('rag_chunks', {
  id: uuid('id').primaryKey().defaultRandom(),
  documentId: uuid('document_id').notNull().references(() => ragDocuments.id, { onDelete: 'cascade' }),

  content: text('content').notNull(),
  chunkIndex: integer('chunk_index').notNull(),

  embedding: vector('embedding', { dimensions: 3072 }),

  metadata: jsonb('metadata').default(sql`'{}'::jsonb`),

  createdAt: createdAt(),
}, (table) => [
  index('idx_rag_chunks_document').on(table.documentId),
  check('rag_chunks_chunk_index_check', sql`chunk_index >= 0`),
  // idx_rag_chunks_embedding lives in a custom migration: pgvector cannot index vector(3072)
  // directly, so it is HNSW on (embedding::halfvec(3072)); queries must use that expression.
]);

// ─── RELATIONS ──────────────────────────────

export const ragDocumentsRelations = relations(ragDocuments, ({ many }) => ({
  chunks: many(ragChunks),
}));

export const ragChunksRelations = relations(ragChunks, ({ one }) => ({
  document: one(ragDocuments, {
    fields: [ragChunks.documentId],
    references: [ragDocuments.id],
  }),
}));
