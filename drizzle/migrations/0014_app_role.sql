-- The application's role (issue 6). The application used to connect as the tables' owner, and an
-- owner can `ALTER TABLE audit_log DISABLE TRIGGER ...` and then delete rows. nexdrive_app owns
-- nothing and has exactly the privileges the access layer needs; the application logs in as a member
-- of it (README, docs/integrity.md: CREATE ROLE nexdrive_web LOGIN PASSWORD '...' IN ROLE nexdrive_app).
--   append-only tables    audit_log, signatures, student_competencies: SELECT, INSERT
--   log-style tables      messages, call_logs: SELECT, INSERT, UPDATE (the log guards of 0007 decide which columns)
--   payments              SELECT, INSERT, UPDATE, never DELETE
--   competency_tasks      SELECT (reference data: the owner seeds and edits it; deactivating a task would
--                         change what a certificate needs)
--   lessons               SELECT, INSERT, UPDATE, DELETE, all through lessons_signing_guard
--   availability_rules, availability_overrides, rag_chunks: SELECT, INSERT, UPDATE, DELETE
--   every other table     SELECT, INSERT, UPDATE (people, bookings, packages... are cancelled or soft-deleted, not deleted)
-- No TRUNCATE, REFERENCES or TRIGGER anywhere, no access to the migrations' schema, no ownership.
-- Roles belong to the whole server, so the role is created once and shared by every database on it.
-- A new table must be granted in its own migration; tests/privileges.test.ts fails until it is.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nexdrive_app') THEN
    CREATE ROLE nexdrive_app NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- another database on this server created it at the same moment
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO nexdrive_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON audit_log, signatures, student_competencies TO nexdrive_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON messages, call_logs, payments TO nexdrive_app;
--> statement-breakpoint
GRANT SELECT ON competency_tasks TO nexdrive_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON lessons, availability_rules, availability_overrides, rag_chunks TO nexdrive_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON profiles, instructors, students, parents, parent_student_links, contacts, services,
  bookings, lesson_bridge_forms, packages, student_packages, vouchers, conversations, private_notes, self_assessments,
  notifications, rag_documents, waitlist TO nexdrive_app;
