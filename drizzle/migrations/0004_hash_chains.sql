-- Hash chains for the compliance record (design.md defect 4). audit_log and signatures are one chain
-- each; student_competencies is one chain per student. On every INSERT a BEFORE ROW trigger:
--   1. takes a transaction-level advisory lock for the chain, so concurrent writers append one at a
--      time (the spec's triggers forked the chain on ~70% of concurrent inserts);
--   2. reads the chain head by position (never by created_at, which ties within a transaction);
--   3. sets chain_position = head + 1, previous_hash = head's record_hash (NULL at the genesis row),
--      created_at = clock_timestamp(), and record_hash = sha256 of the row's canonical form.
-- Whatever a caller passes for those columns is overwritten. The unique constraint on
-- (chain, chain_position) makes a fork impossible even if this trigger were wrong or disabled.
-- The canonical form is documented in docs/integrity.md; verify (src/integrity) recomputes it in
-- TypeScript without using these functions.
--
-- nd_canon_field: one field of the canonical form. NULL is '~,' and a value is '<bytes>:<value>,'
-- (a netstring: the UTF-8 byte length, a colon, the value, a comma). A value's encoding always starts
-- with a digit, so NULL can never collide with any string, and the length makes boundaries unambiguous.
CREATE OR REPLACE FUNCTION nd_canon_field(v text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v IS NULL THEN '~,'
              ELSE octet_length(convert_to(v, 'UTF8'))::text || ':' || v || ',' END
$$;
--> statement-breakpoint
-- A timestamp in the canonical form: UTC, microseconds, fixed width, whatever the session TimeZone
-- or DateStyle (the spec hashed timestamptz::text, which changes with both).
CREATE OR REPLACE FUNCTION nd_canon_ts(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;
--> statement-breakpoint
-- sha256 over the UTF-8 bytes (convert_to), as lowercase hex. The spec used text::bytea, which parses
-- backslash escapes instead of encoding the text.
CREATE OR REPLACE FUNCTION nd_sha256_hex(canonical text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(canonical, 'UTF8')), 'hex')
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_canonical(r audit_log) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nd_canon_field('nexdrive.audit_log.v1')
      || nd_canon_field(r.chain_position::text)
      || nd_canon_field(r.previous_hash)
      || nd_canon_field(r.id::text)
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
      || nd_canon_field(nd_canon_ts(r.created_at))
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION signatures_canonical(r signatures) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nd_canon_field('nexdrive.signatures.v1')
      || nd_canon_field(r.chain_position::text)
      || nd_canon_field(r.previous_hash)
      || nd_canon_field(r.id::text)
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
      || nd_canon_field(nd_canon_ts(r.created_at))
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION student_competencies_canonical(r student_competencies) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nd_canon_field('nexdrive.student_competencies.v1')
      || nd_canon_field(r.student_id::text)
      || nd_canon_field(r.chain_position::text)
      || nd_canon_field(r.previous_hash)
      || nd_canon_field(r.id::text)
      || nd_canon_field(r.task_id::text)
      || nd_canon_field(r.instructor_id::text)
      || nd_canon_field(r.status)
      || nd_canon_field(r.transmission)
      || nd_canon_field(nd_canon_ts(r.status_changed_at))
      || nd_canon_field(r.lesson_id::text)
      || nd_canon_field(r.signed_by_instructor::text)
      || nd_canon_field(r.signed_by_student::text)
      || nd_canon_field(r.signature_id::text)
      || nd_canon_field(nd_canon_ts(r.created_at))
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION compute_audit_hash() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  head_position bigint;
  head_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('nexdrive.chain'), hashtext('audit_log'));
  SELECT chain_position, record_hash INTO head_position, head_hash
    FROM audit_log ORDER BY chain_position DESC LIMIT 1;
  NEW.chain_position := COALESCE(head_position, 0) + 1;
  NEW.previous_hash := head_hash;
  NEW.created_at := clock_timestamp();
  NEW.record_hash := nd_sha256_hex(audit_log_canonical(NEW));
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION compute_signature_hash() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  head_position bigint;
  head_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('nexdrive.chain'), hashtext('signatures'));
  SELECT chain_position, record_hash INTO head_position, head_hash
    FROM signatures ORDER BY chain_position DESC LIMIT 1;
  NEW.chain_position := COALESCE(head_position, 0) + 1;
  NEW.previous_hash := head_hash;
  NEW.created_at := clock_timestamp();
  NEW.record_hash := nd_sha256_hex(signatures_canonical(NEW));
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION compute_competency_hash() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  head_position bigint;
  head_hash text;
BEGIN
  -- One chain per student: writers for different students do not wait for each other (a hashtext
  -- collision between two students only makes them wait, never merges their chains).
  PERFORM pg_advisory_xact_lock(hashtext('nexdrive.competency_chain'), hashtext(NEW.student_id::text));
  SELECT chain_position, record_hash INTO head_position, head_hash
    FROM student_competencies WHERE student_id = NEW.student_id
    ORDER BY chain_position DESC LIMIT 1;
  NEW.chain_position := COALESCE(head_position, 0) + 1;
  NEW.previous_hash := head_hash;
  NEW.created_at := clock_timestamp();
  NEW.record_hash := nd_sha256_hex(student_competencies_canonical(NEW));
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_hash_chain BEFORE INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION compute_audit_hash();
--> statement-breakpoint
CREATE TRIGGER signature_hash_chain BEFORE INSERT ON signatures
  FOR EACH ROW EXECUTE FUNCTION compute_signature_hash();
--> statement-breakpoint
CREATE TRIGGER competency_hash_chain BEFORE INSERT ON student_competencies
  FOR EACH ROW EXECUTE FUNCTION compute_competency_hash();
