-- Faster chained appends, same hashes (measured by `npm run bench`: the advisory lock of 0004 is held
-- from the trigger's first statement to commit, so everything done under it serializes every writer).
-- 1. nd_canon_field and nd_sha256_hex were declared IMMUTABLE but call convert_to(), which is STABLE;
--    PostgreSQL then refuses to inline them and re-plans them in every transaction (~140 us a row).
--    Declared STABLE, they inline into the caller.
-- 2. Each canonical function is split into the part that does not depend on the chain (every field
--    from id up to, not including, created_at: the "body") and the chain fields. The triggers build
--    the body before taking the lock and only the chain fields, the hash and the insert under it.
-- The canonical text and every hash are unchanged: <table>_canonical(r) still returns the whole form
-- (docs/integrity.md), now assembled from the same pieces the triggers use.
ALTER FUNCTION nd_canon_field(text) STABLE;
--> statement-breakpoint
ALTER FUNCTION nd_sha256_hex(text) STABLE;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_canonical_body(r audit_log) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nd_canon_field(r.id::text)
      || nd_canon_field(r.event_type)
      || nd_canon_field(r.severity)
      || nd_canon_field(r.actor_id)
      || nd_canon_field(r.actor_role)
      || nd_canon_field(r.subject_type)
      || nd_canon_field(r.subject_id::text)
      || nd_canon_field(r.details::text)
      || nd_canon_field(r.ip_address::text)
      || nd_canon_field(r.user_agent)
      || nd_canon_field(r.gps_latitude::text)
      || nd_canon_field(r.gps_longitude::text)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_canonical_from(r audit_log, body text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nd_canon_field('nexdrive.audit_log.v1')
      || nd_canon_field(r.chain_position::text)
      || nd_canon_field(r.previous_hash)
      || body
      || nd_canon_field(nd_canon_ts(r.created_at))
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_canonical(r audit_log) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT audit_log_canonical_from(r, audit_log_canonical_body(r))
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION signatures_canonical_body(r signatures) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nd_canon_field(r.id::text)
      || nd_canon_field(r.signer_id)
      || nd_canon_field(r.signer_role)
      || nd_canon_field(r.document_type)
      || nd_canon_field(r.document_id::text)
      || nd_canon_field(r.signature_url)
      || nd_canon_field(nd_canon_ts(r.timestamp_utc))
      || nd_canon_field(r.ip_address::text)
      || nd_canon_field(r.user_agent)
      || nd_canon_field(r.device_info::text)
      || nd_canon_field(r.gps_latitude::text)
      || nd_canon_field(r.gps_longitude::text)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION signatures_canonical_from(r signatures, body text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nd_canon_field('nexdrive.signatures.v1')
      || nd_canon_field(r.chain_position::text)
      || nd_canon_field(r.previous_hash)
      || body
      || nd_canon_field(nd_canon_ts(r.created_at))
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION signatures_canonical(r signatures) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT signatures_canonical_from(r, signatures_canonical_body(r))
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION student_competencies_canonical_body(r student_competencies) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nd_canon_field(r.id::text)
      || nd_canon_field(r.task_id::text)
      || nd_canon_field(r.instructor_id::text)
      || nd_canon_field(r.status)
      || nd_canon_field(r.transmission)
      || nd_canon_field(nd_canon_ts(r.status_changed_at))
      || nd_canon_field(r.lesson_id::text)
      || nd_canon_field(r.signed_by_instructor::text)
      || nd_canon_field(r.signed_by_student::text)
      || nd_canon_field(r.signature_id::text)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION student_competencies_canonical_from(r student_competencies, body text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nd_canon_field('nexdrive.student_competencies.v1')
      || nd_canon_field(r.student_id::text)
      || nd_canon_field(r.chain_position::text)
      || nd_canon_field(r.previous_hash)
      || body
      || nd_canon_field(nd_canon_ts(r.created_at))
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION student_competencies_canonical(r student_competencies) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT student_competencies_canonical_from(r, student_competencies_canonical_body(r))
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION compute_audit_hash() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  body text := audit_log_canonical_body(NEW); -- before the lock: nothing in it depends on the chain
  head_position bigint;
  head_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('nexdrive.chain'), hashtext('audit_log'));
  SELECT chain_position, record_hash INTO head_position, head_hash
    FROM audit_log ORDER BY chain_position DESC LIMIT 1;
  NEW.chain_position := COALESCE(head_position, 0) + 1;
  NEW.previous_hash := head_hash;
  NEW.created_at := clock_timestamp();
  NEW.record_hash := nd_sha256_hex(audit_log_canonical_from(NEW, body));
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION compute_signature_hash() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  body text := signatures_canonical_body(NEW);
  head_position bigint;
  head_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('nexdrive.chain'), hashtext('signatures'));
  SELECT chain_position, record_hash INTO head_position, head_hash
    FROM signatures ORDER BY chain_position DESC LIMIT 1;
  NEW.chain_position := COALESCE(head_position, 0) + 1;
  NEW.previous_hash := head_hash;
  NEW.created_at := clock_timestamp();
  NEW.record_hash := nd_sha256_hex(signatures_canonical_from(NEW, body));
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION compute_competency_hash() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  body text := student_competencies_canonical_body(NEW);
  head_position bigint;
  head_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('nexdrive.competency_chain'), hashtext(NEW.student_id::text));
  SELECT chain_position, record_hash INTO head_position, head_hash
    FROM student_competencies WHERE student_id = NEW.student_id
    ORDER BY chain_position DESC LIMIT 1;
  NEW.chain_position := COALESCE(head_position, 0) + 1;
  NEW.previous_hash := head_hash;
  NEW.created_at := clock_timestamp();
  NEW.record_hash := nd_sha256_hex(student_competencies_canonical_from(NEW, body));
  RETURN NEW;
END;
$$;
