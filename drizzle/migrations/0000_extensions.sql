-- Extensions every later migration relies on. Created before the tables because rag_chunks.embedding
-- is a pgvector type. vector: RAG embeddings. pgcrypto: kept for gen_random_bytes()/digest() callers
-- (gen_random_uuid() and sha256() are core since PostgreSQL 13/11). btree_gist: lets the bookings
-- exclusion constraint combine "same instructor" (=) with "overlapping time" (&&) in one GiST index.
CREATE EXTENSION IF NOT EXISTS vector;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pgcrypto;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS btree_gist;
