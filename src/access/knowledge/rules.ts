// The knowledge base's constants, each in one place (domain-rules.md "Knowledge (RAG)"): how many
// chunks a search returns and above which similarity, the embedding's size, ingestion limits, and the
// settings the vector search runs with (docs/knowledge.md says how they were chosen).
export const KNOWLEDGE = {
  /** text-embedding-3-large; the column is vector(3072), the index HNSW on its halfvec(3072) cast. */
  dimensions: 3072,
  /** Chunks a search returns by default, and at most. */
  defaultTopK: 5,
  maxTopK: 10,
  /** Cosine similarity a chunk needs to be returned (by default). */
  defaultMinSimilarity: 0.65,
  /** half precision's largest finite value: the index stores embedding::halfvec(3072), so a larger
   *  component could be stored but never indexed (the cast overflows). */
  maxComponent: 65504,
  /** The least L2 length an embedding may have, computed as the database holds it (single precision):
   *  pgvector sums the squares in float4, so a shorter vector's squares underflow to a zero length and
   *  its cosine similarity comes out 1 or NaN against anything; and with at least this length some
   *  component is above 1.8e-5, so the half-precision copy the index holds is not the zero vector. */
  minNorm: 1e-3,

  /** Ingestion: chunks per document, characters per chunk, chunk rows per INSERT statement. */
  maxChunks: 5000,
  maxChunkChars: 20_000,
  insertBatch: 100,

  // ─── The vector search (./search.ts) ───
  /**
   * At most this many eligible chunks (after the status, source type and task filters) are searched
   * exactly: every eligible vector compared, recall 1. More are searched through the HNSW index. Above
   * this size, a filter keeps at least exactMaxChunks / all chunks of the index, so the iterative scan
   * meets `candidates` matching rows after visiting about candidates x all / exactMaxChunks tuples.
   */
  exactMaxChunks: 1000,
  /** Rows the index scan hands over (then re-ranked by the full-precision distance, cut to topK). */
  candidates: 40,
  /** hnsw.ef_search: the size of the scan's candidate list (pgvector's default is 40). */
  efSearch: 100,
  /** hnsw.max_scan_tuples: the least the iterative scan may visit before it gives up (pgvector's
   *  default, 20,000); raised for large indexes to cover the sparsest filter the index answers. */
  minMaxScanTuples: 20_000,
} as const;
