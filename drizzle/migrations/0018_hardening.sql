-- Hardening after an attack review of issues 6 and 7 (tests/attack-*.test.ts):
-- 1. Temporary tables could stand in for ours. PostgreSQL grants TEMPORARY to PUBLIC, pg_temp is
--    searched before public for tables, and the guard functions named tables without a schema: a member
--    of nexdrive_app created a temporary `signatures` and completed a lesson its student never signed.
--    Now nobody but the owner creates temporary tables in this database, and every function that reads
--    a table runs with search_path = pg_catalog, public, pg_temp (temporary objects last).
-- 2. A task's number is its meaning in every lesson that lists it (competencies_taught...): it never
--    changes, referenced or not (0013 froze it only once a competency row referred to the task).
-- 3. Who a person is: students', parents' and profiles' user_id never change; an instructor's changes
--    only in a transaction that has written its INSTRUCTOR_RELINKED audit entry first (linkInstructor
--    does), so re-pointing a signer for one transaction always leaves a trace in the audit chain.
-- 4. The 5-parent limit also holds under REPEATABLE READ: activating a link updates the student's row,
--    so a concurrent activation fails with a serialization error instead of counting a stale snapshot.
-- 5. A lesson's created_at is the database's clock.
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
--> statement-breakpoint
ALTER FUNCTION nd_expected_signer(text, uuid, text) SET search_path = pg_catalog, public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION signatures_binding_guard() SET search_path = pg_catalog, public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION signatures_check_document() SET search_path = pg_catalog, public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION student_competencies_signature_guard() SET search_path = pg_catalog, public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION lessons_check_correction() SET search_path = pg_catalog, public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION payments_keep_record() SET search_path = pg_catalog, public, pg_temp;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION competency_tasks_keep_meaning() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  changed text;
BEGIN
  IF NEW.task_number IS DISTINCT FROM OLD.task_number THEN
    RAISE EXCEPTION 'task % keeps its number: lessons and competency records name it', OLD.task_number
      USING ERRCODE = 'ND004', TABLE = 'competency_tasks';
  END IF;
  SELECT string_agg(c, ', ' ORDER BY c) INTO changed
    FROM unnest(ARRAY['id', 'prerequisites', 'review_requires_tasks', 'is_review', 'is_final_drive',
                      'final_drive_min_minutes', 'final_drive_unfamiliar_roads']) c
   WHERE to_jsonb(NEW) -> c IS DISTINCT FROM to_jsonb(OLD) -> c;
  IF changed IS NOT NULL AND EXISTS (SELECT 1 FROM student_competencies WHERE task_id = OLD.id) THEN
    RAISE EXCEPTION 'task % is referred to by competency records: % can no longer change', OLD.task_number, changed
      USING ERRCODE = 'ND004', TABLE = 'competency_tasks';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION parent_student_links_limit() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  active_links integer;
BEGIN
  IF NEW.status <> 'active' OR (TG_OP = 'UPDATE' AND OLD.status = 'active' AND OLD.student_id = NEW.student_id) THEN
    RETURN NEW;
  END IF;
  -- An update, not only a lock: under REPEATABLE READ a concurrent activation then fails (40001)
  -- instead of counting links in a snapshot that cannot see this one.
  UPDATE students SET parent_visibility = parent_visibility WHERE id = NEW.student_id;
  SELECT count(*) INTO active_links FROM parent_student_links
   WHERE student_id = NEW.student_id AND status = 'active' AND id <> NEW.id;
  IF active_links >= 5 THEN
    RAISE EXCEPTION 'student % already has 5 active parent links; revoke one first', NEW.student_id
      USING ERRCODE = 'ND005', TABLE = 'parent_student_links';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
-- Identity columns (SQLSTATE ND006, IDENTITY_FROZEN).
CREATE OR REPLACE FUNCTION nd_identity_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF NEW.user_id IS NOT DISTINCT FROM OLD.user_id THEN
    RETURN NEW;
  END IF;
  IF TG_TABLE_NAME = 'instructors' AND EXISTS (
       SELECT 1 FROM audit_log a
        WHERE a.event_type = 'INSTRUCTOR_RELINKED' AND a.subject_id = NEW.id
          AND a.details ->> 'clerkUserId' = NEW.user_id AND a.details ->> 'previousUserId' = OLD.user_id
          AND a.created_at >= now()) THEN
    RETURN NEW; -- a relink, recorded in this transaction
  END IF;
  RAISE EXCEPTION '%.user_id never changes (an instructor is relinked only with its INSTRUCTOR_RELINKED audit entry, by linkInstructor)', TG_TABLE_NAME
    USING ERRCODE = 'ND006', TABLE = TG_TABLE_NAME;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER instructors_identity_guard BEFORE UPDATE OF user_id ON instructors
  FOR EACH ROW EXECUTE FUNCTION nd_identity_guard();
--> statement-breakpoint
CREATE TRIGGER students_identity_guard BEFORE UPDATE OF user_id ON students
  FOR EACH ROW EXECUTE FUNCTION nd_identity_guard();
--> statement-breakpoint
CREATE TRIGGER parents_identity_guard BEFORE UPDATE OF user_id ON parents
  FOR EACH ROW EXECUTE FUNCTION nd_identity_guard();
--> statement-breakpoint
CREATE TRIGGER profiles_identity_guard BEFORE UPDATE OF user_id ON profiles
  FOR EACH ROW EXECUTE FUNCTION nd_identity_guard();
--> statement-breakpoint
-- lessons_signing_guard of 0012, with created_at from the database's clock on INSERT.
CREATE OR REPLACE FUNCTION lessons_signing_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  changed text;
  signed boolean;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION 'lesson % is %: only a draft lesson can be deleted', OLD.id, OLD.status
        USING ERRCODE = 'ND002', TABLE = 'lessons';
    END IF;
    IF EXISTS (SELECT 1 FROM signatures s WHERE s.document_type = 'lesson' AND s.document_id = OLD.id) THEN
      RAISE EXCEPTION 'lesson % has a signature: it can never be deleted', OLD.id
        USING ERRCODE = 'ND002', TABLE = 'lessons';
    END IF;
    RETURN OLD;
  END IF;

  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'draft' OR NEW.instructor_signature_id IS NOT NULL
       OR NEW.student_signature_id IS NOT NULL OR NEW.signed_at IS NOT NULL THEN
      RAISE EXCEPTION 'a lesson is recorded as an unsigned draft; it is signed afterwards'
        USING ERRCODE = 'ND002', TABLE = 'lessons';
    END IF;
    NEW.created_at := now();
    IF NEW.correction_of IS NULL THEN
      NEW.lesson_number := next_lesson_number(NEW.student_id);
    ELSIF NEW.lesson_number IS NULL THEN
      SELECT lesson_number INTO NEW.lesson_number FROM lessons WHERE id = NEW.correction_of;
    END IF;
    RETURN NEW; -- the correction rules are checked at the end of the statement (lessons_correction_check)
  END IF;

  -- UPDATE
  IF OLD.status IN ('completed', 'disputed') THEN
    RAISE EXCEPTION 'lesson % is %: it can never change again; record a correction instead', OLD.id, OLD.status
      USING ERRCODE = 'ND002', TABLE = 'lessons';
  END IF;
  SELECT string_agg(c, ', ' ORDER BY c) INTO changed
    FROM unnest(ARRAY['id', 'student_id', 'instructor_id', 'lesson_number', 'correction_of', 'correction_reason', 'created_at']) c
   WHERE to_jsonb(NEW) -> c IS DISTINCT FROM to_jsonb(OLD) -> c;
  IF changed IS NOT NULL THEN
    RAISE EXCEPTION 'lesson %: % never change after the lesson is recorded', OLD.id, changed
      USING ERRCODE = 'ND002', TABLE = 'lessons';
  END IF;

  IF OLD.status = 'draft' THEN
    signed := EXISTS (SELECT 1 FROM signatures s WHERE s.document_type = 'lesson' AND s.document_id = OLD.id);
    IF NEW.status = 'draft' THEN
      IF NEW.instructor_signature_id IS NOT NULL OR NEW.student_signature_id IS NOT NULL OR NEW.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'a draft lesson carries no signatures; signing moves it to pending_student_signature'
          USING ERRCODE = 'ND002', TABLE = 'lessons';
      END IF;
      IF signed THEN
        RAISE EXCEPTION 'lesson % has been signed by its instructor: what was signed cannot change', OLD.id
          USING ERRCODE = 'ND002', TABLE = 'lessons';
      END IF;
      RETURN NEW;
    END IF;
    IF NEW.status <> 'pending_student_signature' THEN
      RAISE EXCEPTION 'a draft lesson can only move to pending_student_signature (the instructor signs first), not %', NEW.status
        USING ERRCODE = 'ND002', TABLE = 'lessons';
    END IF;
    SELECT string_agg(n.key, ', ' ORDER BY n.key) INTO changed
      FROM jsonb_each(to_jsonb(NEW) - ARRAY['status', 'instructor_signature_id', 'total_km']) n
     WHERE n.value IS DISTINCT FROM to_jsonb(OLD) -> n.key;
    IF changed IS NOT NULL THEN
      RAISE EXCEPTION 'signing lesson % changes only its status and instructor_signature_id, not %', OLD.id, changed
        USING ERRCODE = 'ND002', TABLE = 'lessons';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM signatures s WHERE s.id = NEW.instructor_signature_id
                      AND s.signer_role = 'instructor' AND s.document_type = 'lesson' AND s.document_id = NEW.id) THEN
      RAISE EXCEPTION 'pending_student_signature needs instructor_signature_id to be the instructor signature of lesson %', NEW.id
        USING ERRCODE = 'ND002', TABLE = 'lessons';
    END IF;
    RETURN NEW;
  END IF;

  -- OLD.status = 'pending_student_signature': frozen except for the student's step or a dispute.
  SELECT string_agg(n.key, ', ' ORDER BY n.key) INTO changed
    FROM jsonb_each(to_jsonb(NEW) - ARRAY['status', 'student_signature_id', 'signed_at', 'total_km']) n
   WHERE n.value IS DISTINCT FROM to_jsonb(OLD) -> n.key;
  IF changed IS NOT NULL THEN
    RAISE EXCEPTION 'lesson % is awaiting the student''s signature: % cannot change', OLD.id, changed
      USING ERRCODE = 'ND002', TABLE = 'lessons';
  END IF;
  IF NEW.status = 'disputed' AND NEW.student_signature_id IS NULL AND NEW.signed_at IS NULL THEN
    RETURN NEW;
  END IF;
  IF NEW.status <> 'completed' THEN
    RAISE EXCEPTION 'lesson % can only be completed with the student''s signature, or disputed', OLD.id
      USING ERRCODE = 'ND002', TABLE = 'lessons';
  END IF;
  SELECT s.timestamp_utc INTO NEW.signed_at FROM signatures s
   WHERE s.id = NEW.student_signature_id AND s.signer_role = 'student'
     AND s.document_type = 'lesson' AND s.document_id = NEW.id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'lesson % can only be completed with the student signature of this lesson', OLD.id
      USING ERRCODE = 'ND002', TABLE = 'lessons';
  END IF;
  RETURN NEW;
END;
$$;
