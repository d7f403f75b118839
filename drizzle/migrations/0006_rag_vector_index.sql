-- Vector index for RAG retrieval. The spec's ivfflat index on vector(3072) cannot be built: pgvector
-- indexes at most 2,000 dimensions of vector, 4,000 of halfvec. The column stays vector(3072) (full
-- precision kept); the index is HNSW over the halfvec cast. A query uses it only when it orders by the
-- same expression: ORDER BY (embedding::halfvec(3072)) <=> ($1::halfvec(3072)).
CREATE INDEX idx_rag_chunks_embedding ON rag_chunks
  USING hnsw ((embedding::halfvec(3072)) halfvec_cosine_ops);
