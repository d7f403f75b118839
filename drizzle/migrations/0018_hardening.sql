-- No stand-ins for our tables (found by an attack review, tests/attack-temp-table-shadowing.test.ts).
-- PostgreSQL grants TEMPORARY to PUBLIC and searches pg_temp before public for tables; the guard
-- functions named tables without a schema, so a member of nexdrive_app that created a temporary
-- `signatures` decided what lessons_signing_guard read, and completed a lesson its student never signed.
-- Now nobody but the owner creates temporary tables in this database, and every function that reads a
-- table runs with search_path = pg_catalog, public, pg_temp (temporary objects last): the functions of
-- migrations 0002-0010 are altered here; those of 0012 onwards are created with it.
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END
$$;
--> statement-breakpoint
ALTER FUNCTION update_updated_at() SET search_path = pg_catalog, public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION next_lesson_number(uuid) SET search_path = pg_catalog, public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION compute_audit_hash() SET search_path = pg_catalog, public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION compute_signature_hash() SET search_path = pg_catalog, public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION compute_competency_hash() SET search_path = pg_catalog, public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION nd_reject_change() SET search_path = pg_catalog, public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION nd_log_update_guard() SET search_path = pg_catalog, public, pg_temp;
