-- Erasable personal data (issue 19, docs/privacy.md, APP 11.2). A person may ask the school to
-- de-identify what it no longer needs, while the compliance records are kept and every hash chain
-- still verifies.
--
-- 1. audit_log, canonical form v2. A v1 row hashes its ip_address, user_agent, GPS and details
--    directly, so clearing any of them broke db:verify. A v2 row hashes personal_digest instead:
--    sha256 of a random salt and those values (and personal_details, the person's own words that used
--    to sit in details: a reason, a call summary). An erasure clears the values and the salt and keeps
--    the digest: the chain verifies, and nobody can recover the values or test a guess without the
--    salt. Rows written before this migration keep v1 (canonical_version 1) and verify as before;
--    their personal values cannot be cleared (docs/spec-deviations.md).
-- 2. nd_erase_personal_data(rows): the one path that clears personal columns of rows the application
--    may not otherwise change (messages, call logs, submitted self-assessments, audit entries...). It
--    is SECURITY DEFINER, clears only the columns named below with fixed replacements, and never a
--    compliance column (status, times, amounts, ids, invoice numbers, the certificate, lessons,
--    signatures, competencies). It runs with nexdrive.erasing = 'on'; nd_erasing() is true only then
--    and only for the tables' owner (inside this function), and the guards that freeze those rows skip
--    exactly then. audit_log_erasure_guard lets an erasure change nothing but a v2 row's personal
--    columns, to NULL.
ALTER TABLE "audit_log" ADD COLUMN "personal_details" jsonb;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "personal_salt" text;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "personal_digest" text;--> statement-breakpoint
-- Existing rows are v1; every row written from now on is v2 (the trigger sets it, whatever is given).
ALTER TABLE "audit_log" ADD COLUMN "canonical_version" smallint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "canonical_version" SET DEFAULT 2;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_canonical_version_check" CHECK ("audit_log"."canonical_version" in (1, 2));
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_personal_canonical(r audit_log) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nd_canon_field('nexdrive.audit_log.personal.v2')
      || nd_canon_field(r.personal_salt)
      || nd_canon_field(r.ip_address::text)
      || nd_canon_field(r.user_agent)
      || nd_canon_field(r.gps_latitude::text)
      || nd_canon_field(r.gps_longitude::text)
      || nd_canon_field(r.personal_details::text)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_canonical_body_v2(r audit_log) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nd_canon_field(r.id::text)
      || nd_canon_field(r.event_type)
      || nd_canon_field(r.severity)
      || nd_canon_field(r.actor_id)
      || nd_canon_field(r.actor_role)
      || nd_canon_field(r.subject_type)
      || nd_canon_field(r.subject_id::text)
      || nd_canon_field(r.details::text)
      || nd_canon_field(r.personal_digest)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_canonical_from_v2(r audit_log, body text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nd_canon_field('nexdrive.audit_log.v2')
      || nd_canon_field(r.chain_position::text)
      || nd_canon_field(r.previous_hash)
      || body
      || nd_canon_field(nd_canon_ts(r.created_at))
$$;
--> statement-breakpoint
-- The whole canonical form of a row, in the version the row was written in.
CREATE OR REPLACE FUNCTION audit_log_canonical(r audit_log) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE r.canonical_version
    WHEN 1 THEN audit_log_canonical_from(r, audit_log_canonical_body(r))
    ELSE audit_log_canonical_from_v2(r, audit_log_canonical_body_v2(r))
  END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION compute_audit_hash() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  body text;
  head_position bigint;
  head_hash text;
BEGIN
  NEW.canonical_version := 2;
  IF NEW.ip_address IS NULL AND NEW.user_agent IS NULL AND NEW.gps_latitude IS NULL AND NEW.gps_longitude IS NULL
     AND NEW.personal_details IS NULL THEN
    NEW.personal_salt := NULL;
    NEW.personal_digest := NULL;
  ELSE
    -- 122 random bits (gen_random_uuid is core and cryptographically random).
    NEW.personal_salt := replace(gen_random_uuid()::text, '-', '');
    NEW.personal_digest := nd_sha256_hex(audit_log_personal_canonical(NEW));
  END IF;
  body := audit_log_canonical_body_v2(NEW); -- before the lock: nothing in it depends on the chain
  PERFORM pg_advisory_xact_lock(hashtext('nexdrive.chain'), hashtext('audit_log'));
  SELECT chain_position, record_hash INTO head_position, head_hash
    FROM audit_log ORDER BY chain_position DESC LIMIT 1;
  NEW.chain_position := COALESCE(head_position, 0) + 1;
  NEW.previous_hash := head_hash;
  NEW.created_at := clock_timestamp();
  NEW.record_hash := nd_sha256_hex(audit_log_canonical_from_v2(NEW, body));
  RETURN NEW;
END;
$$;
--> statement-breakpoint
-- True only inside nd_erase_personal_data: the flag it sets, and the tables' owner as current user
-- (the application's role can set the flag, but is never the owner). It is called by the WHEN of every
-- guarded UPDATE, so it is PL/pgSQL without a SET clause (measured on a 20,000-row UPDATE: a SQL
-- function with SET search_path added 4.1 µs a row, PL/pgSQL with it 2 µs, without it nothing
-- measurable); every name in it is schema-qualified instead (functions and operators are never looked
-- up in pg_temp, and the one relation is pg_catalog's).
CREATE OR REPLACE FUNCTION nd_erasing() RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF coalesce(pg_catalog.current_setting('nexdrive.erasing', true), '') <> 'on' THEN
    RETURN false;
  END IF;
  RETURN current_user = (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c WHERE c.oid = 'public.audit_log'::pg_catalog.regclass);
END;
$$;
--> statement-breakpoint
-- While erasing, an audit entry may lose its personal values and salt, and nothing else changes.
CREATE OR REPLACE FUNCTION audit_log_erasure_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  personal text[] := ARRAY['ip_address', 'user_agent', 'gps_latitude', 'gps_longitude', 'personal_details', 'personal_salt'];
BEGIN
  IF OLD.canonical_version <> 2
     OR (to_jsonb(NEW) - personal) IS DISTINCT FROM (to_jsonb(OLD) - personal)
     OR NEW.ip_address IS NOT NULL OR NEW.user_agent IS NOT NULL OR NEW.gps_latitude IS NOT NULL
     OR NEW.gps_longitude IS NOT NULL OR NEW.personal_details IS NOT NULL OR NEW.personal_salt IS NOT NULL THEN
    RAISE EXCEPTION 'audit entry %: an erasure clears the personal values of a v2 entry, and changes nothing else', OLD.id
      USING ERRCODE = 'ND001', TABLE = 'audit_log';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
DROP TRIGGER audit_log_append_only ON audit_log;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW WHEN (NOT nd_erasing()) EXECUTE FUNCTION nd_reject_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_delete_while_erasing BEFORE DELETE ON audit_log
  FOR EACH ROW WHEN (nd_erasing()) EXECUTE FUNCTION nd_reject_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_erasure_guard BEFORE UPDATE ON audit_log
  FOR EACH ROW WHEN (nd_erasing()) EXECUTE FUNCTION audit_log_erasure_guard();
--> statement-breakpoint
DROP TRIGGER messages_log_update_guard ON messages;
--> statement-breakpoint
CREATE TRIGGER messages_log_update_guard BEFORE UPDATE ON messages
  FOR EACH ROW WHEN (NOT nd_erasing()) EXECUTE FUNCTION nd_log_update_guard('delivery_status', 'external_id');
--> statement-breakpoint
DROP TRIGGER call_logs_log_update_guard ON call_logs;
--> statement-breakpoint
CREATE TRIGGER call_logs_log_update_guard BEFORE UPDATE ON call_logs
  FOR EACH ROW WHEN (NOT nd_erasing()) EXECUTE FUNCTION nd_log_update_guard(
    'contact_id,conversation_id,outcome,resolution,summary,caller_name,caller_reason,requires_callback,callback_scheduled_at,callback_completed_at',
    'ended_at,duration_seconds,transcript,external_call_id');
--> statement-breakpoint
DROP TRIGGER self_assessments_guard ON self_assessments;
--> statement-breakpoint
CREATE TRIGGER self_assessments_guard BEFORE INSERT OR UPDATE ON self_assessments
  FOR EACH ROW WHEN (NOT nd_erasing()) EXECUTE FUNCTION self_assessments_guard();
--> statement-breakpoint
DROP TRIGGER contacts_crm_guard ON contacts;
--> statement-breakpoint
CREATE TRIGGER contacts_crm_guard BEFORE UPDATE ON contacts
  FOR EACH ROW WHEN (NOT nd_erasing()) EXECUTE FUNCTION contacts_crm_guard();
--> statement-breakpoint
DROP TRIGGER notifications_lifecycle_guard ON notifications;
--> statement-breakpoint
CREATE TRIGGER notifications_lifecycle_guard BEFORE INSERT OR UPDATE ON notifications
  FOR EACH ROW WHEN (NOT nd_erasing()) EXECUTE FUNCTION notifications_lifecycle_guard();
--> statement-breakpoint
DROP TRIGGER conversations_lifecycle_guard ON conversations;
--> statement-breakpoint
CREATE TRIGGER conversations_lifecycle_guard BEFORE INSERT OR UPDATE ON conversations
  FOR EACH ROW WHEN (NOT nd_erasing()) EXECUTE FUNCTION conversations_lifecycle_guard();
--> statement-breakpoint
DROP TRIGGER parent_invitations_guard ON parent_invitations;
--> statement-breakpoint
CREATE TRIGGER parent_invitations_guard BEFORE UPDATE ON parent_invitations
  FOR EACH ROW WHEN (NOT nd_erasing()) EXECUTE FUNCTION parent_invitations_guard();
--> statement-breakpoint
DROP TRIGGER bookings_lifecycle_guard ON bookings;
--> statement-breakpoint
CREATE TRIGGER bookings_lifecycle_guard BEFORE INSERT OR UPDATE ON bookings
  FOR EACH ROW WHEN (NOT nd_erasing()) EXECUTE FUNCTION bookings_lifecycle_guard();
--> statement-breakpoint
-- The erasure. p_rows names, per table, the ids of the person's rows (the access layer selects them
-- with the export's own queries, src/access/record/person-parts.ts), and user_id (the person's Clerk
-- id), actor_id, actor_role, system_actor, subject_type, subject_id for its audit entry. Nothing ties
-- the ids to one person: the entry it writes names every id it was given and the login role. Each table's personal columns
-- get a fixed replacement (NULL where the column allows it); a row already erased is not counted, so
-- a second call changes nothing and returns zeros. Returns the rows changed per table, and the
-- person's v1 audit entries, whose personal values a v1 hash still covers (left as they are).
-- The list of columns is docs/privacy.md's, and tests/person-erasure.test.ts plants a canary in every
-- one of them.
CREATE OR REPLACE FUNCTION nd_erase_personal_data(p_rows jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  counts jsonb := '{}'::jsonb;
  n integer;
  ids uuid[];
BEGIN
  PERFORM set_config('nexdrive.erasing', 'on', true);

  ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_rows -> 'profiles', '[]'))::uuid);
  UPDATE profiles t SET (first_name, last_name, email, phone, date_of_birth, address_line1, address_line2, suburb, state, postcode, avatar_url, status, deleted_at)
    = ('[erased]', '[erased]', 'erased-' || t.id || '@erased.invalid', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'inactive', coalesce(t.deleted_at, now()))
   WHERE t.id = ANY(ids)
     AND (t.first_name, t.last_name, t.email, t.phone, t.date_of_birth, t.address_line1, t.address_line2, t.suburb, t.state, t.postcode, t.avatar_url, t.status, t.deleted_at IS NULL)
         IS DISTINCT FROM ('[erased]', '[erased]', 'erased-' || t.id || '@erased.invalid', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'inactive', false);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('profiles', n);

  ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_rows -> 'students', '[]'))::uuid);
  UPDATE students t SET (school_or_work, referral_detail) = (NULL, NULL)
   WHERE t.id = ANY(ids) AND (t.school_or_work, t.referral_detail) IS DISTINCT FROM (NULL, NULL);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('students', n);

  ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_rows -> 'parent_invitations', '[]'))::uuid);
  UPDATE parent_invitations t SET (first_name, last_name, email, phone) = (NULL, NULL, 'erased-' || t.id || '@erased.invalid', NULL)
   WHERE t.id = ANY(ids) AND (t.first_name, t.last_name, t.email, t.phone) IS DISTINCT FROM (NULL, NULL, 'erased-' || t.id || '@erased.invalid', NULL);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('parent_invitations', n);

  ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_rows -> 'contacts', '[]'))::uuid);
  UPDATE contacts t SET (first_name, last_name, email, phone, notes, source_detail, utm_source, utm_medium, utm_campaign, deleted_at)
    = (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, coalesce(t.deleted_at, now()))
   WHERE t.id = ANY(ids)
     AND (t.first_name, t.last_name, t.email, t.phone, t.notes, t.source_detail, t.utm_source, t.utm_medium, t.utm_campaign, t.deleted_at IS NULL)
         IS DISTINCT FROM (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('contacts', n);

  ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_rows -> 'bookings', '[]'))::uuid);
  UPDATE bookings t SET (pickup_address, suburb, cancellation_reason, booking_notes, admin_notes) = (NULL, NULL, NULL, NULL, NULL)
   WHERE t.id = ANY(ids) AND (t.pickup_address, t.suburb, t.cancellation_reason, t.booking_notes, t.admin_notes) IS DISTINCT FROM (NULL, NULL, NULL, NULL, NULL);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('bookings', n);

  ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_rows -> 'lesson_bridge_forms', '[]'))::uuid);
  UPDATE lesson_bridge_forms t SET (positives, practice_instructions, focus_areas, next_lesson_recommendation, pdf_url) = (NULL, NULL, NULL, NULL, NULL)
   WHERE t.id = ANY(ids)
     AND (t.positives, t.practice_instructions, t.focus_areas, t.next_lesson_recommendation, t.pdf_url) IS DISTINCT FROM (NULL, NULL, NULL, NULL, NULL);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('lesson_bridge_forms', n);

  -- A self-assessment keeps its tasks and confidence ratings; the learner's notes go.
  ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_rows -> 'self_assessments', '[]'))::uuid);
  UPDATE self_assessments t
     SET responses = (SELECT coalesce(jsonb_agg(CASE jsonb_typeof(r) WHEN 'object' THEN r - 'notes' ELSE r END ORDER BY o), '[]'::jsonb)
                        FROM jsonb_array_elements(t.responses) WITH ORDINALITY AS e(r, o))
   WHERE t.id = ANY(ids) AND jsonb_typeof(t.responses) = 'array'
     AND EXISTS (SELECT 1 FROM jsonb_array_elements(t.responses) r WHERE jsonb_typeof(r) = 'object' AND r ? 'notes');
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('self_assessments', n);

  ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_rows -> 'private_notes', '[]'))::uuid);
  UPDATE private_notes t SET note = '[erased]' WHERE t.id = ANY(ids) AND t.note <> '[erased]';
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('private_notes', n);

  -- Amounts, statuses, invoice numbers and refunds (with the school's reason) stay.
  ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_rows -> 'payments', '[]'))::uuid);
  UPDATE payments t SET (description, gateway_response) = (NULL, NULL)
   WHERE t.id = ANY(ids) AND (t.description, t.gateway_response) IS DISTINCT FROM (NULL, NULL);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('payments', n);

  ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_rows -> 'notifications', '[]'))::uuid);
  UPDATE notifications t SET (recipient_phone, recipient_email, subject, body, failed_reason) = (NULL, NULL, NULL, '[erased]', NULL)
   WHERE t.id = ANY(ids)
     AND (t.recipient_phone, t.recipient_email, t.subject, t.body, t.failed_reason) IS DISTINCT FROM (NULL, NULL, NULL, '[erased]', NULL);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('notifications', n);

  ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_rows -> 'conversations', '[]'))::uuid);
  UPDATE conversations t SET (channel_identifier, handoff_reason) = (NULL, NULL)
   WHERE t.id = ANY(ids) AND (t.channel_identifier, t.handoff_reason) IS DISTINCT FROM (NULL, NULL);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('conversations', n);

  ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_rows -> 'messages', '[]'))::uuid);
  UPDATE messages t SET content = '[erased]' WHERE t.id = ANY(ids) AND t.content <> '[erased]';
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('messages', n);

  ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_rows -> 'call_logs', '[]'))::uuid);
  UPDATE call_logs t SET (caller_phone, caller_name, caller_reason, transcript, summary) = ('[erased]', NULL, NULL, NULL, NULL)
   WHERE t.id = ANY(ids)
     AND (t.caller_phone, t.caller_name, t.caller_reason, t.transcript, t.summary) IS DISTINCT FROM ('[erased]', NULL, NULL, NULL, NULL);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('call_logs', n);

  -- v2 entries only: the digest stays, so the chain verifies. An entry another person wrote about this
  -- one keeps that writer's IP, device and place, unless it holds this person's words (one salt covers
  -- every personal value of an entry, so they go together).
  ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_rows -> 'audit_log', '[]'))::uuid);
  UPDATE audit_log t SET (ip_address, user_agent, gps_latitude, gps_longitude, personal_details, personal_salt) = (NULL, NULL, NULL, NULL, NULL, NULL)
   WHERE t.id = ANY(ids) AND t.canonical_version = 2 AND t.personal_salt IS NOT NULL
     AND ((p_rows ->> 'user_id') IS NOT NULL AND t.actor_id = (p_rows ->> 'user_id') OR t.personal_details IS NOT NULL);
  GET DIAGNOSTICS n = ROW_COUNT; counts := counts || jsonb_build_object('audit_log', n);
  SELECT count(*) INTO n FROM audit_log t
   WHERE t.id = ANY(ids) AND t.canonical_version = 1
     AND (t.ip_address IS NOT NULL OR t.user_agent IS NOT NULL OR t.gps_latitude IS NOT NULL OR t.gps_longitude IS NOT NULL);
  counts := counts || jsonb_build_object('audit_log_v1_kept', n);

  PERFORM set_config('nexdrive.erasing', '', true);
  -- Its own audit entry, whoever calls it: the rows it was given, what changed, and the login role (the
  -- caller names the actor; session_user it cannot choose). Nothing changed, nothing written.
  IF EXISTS (SELECT 1 FROM jsonb_each(counts - 'audit_log_v1_kept') c WHERE (c.value)::int > 0) THEN
    INSERT INTO audit_log (event_type, severity, actor_id, actor_role, subject_type, subject_id, details)
    VALUES ('PRIVACY_PERSON_ERASED', 'warning', p_rows ->> 'actor_id', p_rows ->> 'actor_role', p_rows ->> 'subject_type', (p_rows ->> 'subject_id')::uuid,
            jsonb_build_object('erased', counts - 'audit_log_v1_kept', 'auditEntriesKept', counts -> 'audit_log_v1_kept',
                               'rows', (SELECT coalesce(jsonb_object_agg(k, v), '{}') FROM jsonb_each(p_rows) e(k, v) WHERE jsonb_typeof(v) = 'array'),
                               'systemActor', p_rows ->> 'system_actor', 'sessionUser', session_user::text));
  END IF;
  RETURN counts;
END;
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION nd_erase_personal_data(jsonb) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION nd_erase_personal_data(jsonb) TO nexdrive_app;
