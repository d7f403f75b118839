-- Signatures bound to people and documents, and lesson rules that hold on every path (issue 6).
-- Before this, raw SQL could sign a lesson as anyone, sign it twice, pick signed_at, delete a signed
-- draft and re-create it under another student, and edit student_id, lesson_number or correction_of
-- of a draft; the correction rules were checked only when the original was already visible.
--
-- Signatures (SQLSTATE ND003, SIGNATURE_REFUSED in TypeScript):
--   * signer_id must be the user who may sign that document in that role (nd_expected_signer):
--       lesson       instructor = the lesson's instructor, student = the lesson's student;
--       competency   instructor = the row's instructor, student = the row's student;
--       certificate, enrollment (document_id = students.id)
--                    instructor = the student's instructor, student = the student.
--   * a lesson is signed in its step: the instructor signs a draft, the student a lesson awaiting them;
--   * timestamp_utc is the database's clock, whatever the caller sent;
--   * one signature per document and role (unique index, migration 0011).
--   A competency row refers to its signature (student_competencies.signature_id), so that signature is
--   written first and its document checked when the transaction commits (a deferred constraint trigger).
-- Lessons (SQLSTATE ND002, LESSON_FROZEN): see lessons_signing_guard below and docs/integrity.md.
-- Who a person is (SQLSTATE ND006, IDENTITY_FROZEN): students', parents' and profiles' user_id never
-- change; an instructor's only in a transaction that has written its INSTRUCTOR_RELINKED audit entry
-- first (linkInstructor does), so a signer cannot be re-pointed for one transaction without a trace.
-- Every function here runs with search_path = pg_catalog, public, pg_temp: a temporary table can never
-- stand in for one it reads (see 0018).
CREATE OR REPLACE FUNCTION nd_expected_signer(p_document_type text, p_document_id uuid, p_signer_role text)
RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT CASE p_document_type
    WHEN 'lesson' THEN (
      SELECT CASE p_signer_role WHEN 'instructor' THEN i.user_id WHEN 'student' THEN s.user_id END
        FROM lessons l JOIN instructors i ON i.id = l.instructor_id JOIN students s ON s.id = l.student_id
       WHERE l.id = p_document_id)
    WHEN 'competency' THEN (
      SELECT CASE p_signer_role WHEN 'instructor' THEN i.user_id WHEN 'student' THEN s.user_id END
        FROM student_competencies c JOIN instructors i ON i.id = c.instructor_id JOIN students s ON s.id = c.student_id
       WHERE c.id = p_document_id)
    ELSE (
      SELECT CASE p_signer_role WHEN 'instructor' THEN i.user_id WHEN 'student' THEN s.user_id END
        FROM students s JOIN instructors i ON i.id = s.instructor_id
       WHERE s.id = p_document_id)
  END
$$;
--> statement-breakpoint
-- Runs before signature_hash_chain (triggers fire in name order), so the hash covers the database's time.
CREATE OR REPLACE FUNCTION signatures_binding_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  expected text := nd_expected_signer(NEW.document_type, NEW.document_id, NEW.signer_role);
  lesson_status text;
BEGIN
  NEW.timestamp_utc := clock_timestamp();
  IF expected IS NULL THEN
    IF NEW.document_type = 'competency' THEN
      RETURN NEW; -- the competency row comes later in this transaction; signatures_document_check decides at commit
    END IF;
    RAISE EXCEPTION 'no % % to sign', NEW.document_type, NEW.document_id
      USING ERRCODE = 'ND003', TABLE = 'signatures';
  END IF;
  IF NEW.signer_id IS DISTINCT FROM expected THEN
    RAISE EXCEPTION '% % can be signed as % only by %, not by %', NEW.document_type, NEW.document_id, NEW.signer_role, expected, NEW.signer_id
      USING ERRCODE = 'ND003', TABLE = 'signatures';
  END IF;
  IF NEW.document_type = 'lesson' THEN
    SELECT status INTO lesson_status FROM lessons WHERE id = NEW.document_id;
    IF (NEW.signer_role = 'instructor' AND lesson_status <> 'draft')
       OR (NEW.signer_role = 'student' AND lesson_status <> 'pending_student_signature') THEN
      RAISE EXCEPTION 'lesson % is %: the instructor signs a draft, then the student signs', NEW.document_id, lesson_status
        USING ERRCODE = 'ND003', TABLE = 'signatures';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER signature_binding_guard BEFORE INSERT ON signatures
  FOR EACH ROW EXECUTE FUNCTION signatures_binding_guard();
--> statement-breakpoint
-- At commit: the document of every new signature exists and the signer is still the right person.
CREATE OR REPLACE FUNCTION signatures_check_document() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF nd_expected_signer(NEW.document_type, NEW.document_id, NEW.signer_role) IS DISTINCT FROM NEW.signer_id THEN
    RAISE EXCEPTION 'signature % does not belong to an existing % signed by its %', NEW.id, NEW.document_type, NEW.signer_role
      USING ERRCODE = 'ND003', TABLE = 'signatures';
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER signatures_document_check AFTER INSERT ON signatures
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION signatures_check_document();
--> statement-breakpoint
-- A competency row may name only a signature of itself, and claim only signatures that exist.
CREATE OR REPLACE FUNCTION student_competencies_signature_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF NEW.signature_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM signatures s WHERE s.id = NEW.signature_id AND s.document_type = 'competency' AND s.document_id = NEW.id) THEN
    RAISE EXCEPTION 'signature_id must name a competency signature of row %', NEW.id
      USING ERRCODE = 'ND003', TABLE = 'student_competencies';
  END IF;
  IF (NEW.signed_by_instructor AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.document_type = 'competency'
        AND s.document_id = NEW.id AND s.signer_role = 'instructor'))
     OR (NEW.signed_by_student AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.document_type = 'competency'
        AND s.document_id = NEW.id AND s.signer_role = 'student')) THEN
    RAISE EXCEPTION 'competency row % claims a signature it does not have', NEW.id
      USING ERRCODE = 'ND003', TABLE = 'student_competencies';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER competency_signature_guard BEFORE INSERT ON student_competencies
  FOR EACH ROW EXECUTE FUNCTION student_competencies_signature_guard();
--> statement-breakpoint
-- The lesson signing guard of 0008, tightened:
--   INSERT   an unsigned draft; lesson_number is assigned here: next_lesson_number() for a new lesson
--            (whatever the caller sent), the original's number for a correction that does not give one;
--            created_at is the database's clock at the row (clock_timestamp()).
--   UPDATE   student_id, instructor_id, lesson_number, correction_of, correction_reason, created_at never
--            change. A draft is edited freely until it has a signature; the instructor's signing step
--            changes only status and instructor_signature_id; the student's only status,
--            student_signature_id and signed_at, which is set here to the student signature's time.
--   DELETE   only a draft that has no signature.
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
    -- The clock at this row, not the transaction's start: two records of one lesson written in one
    -- transaction (two corrections, say) are ordered by it, so "the newest" is always well defined.
    NEW.created_at := clock_timestamp();
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
--> statement-breakpoint
-- A correction corrects a signed or disputed lesson (not a draft: edit that instead) of the same student
-- and instructor, and keeps its lesson number. Checked after the whole INSERT statement, so the rule
-- holds whatever the row order of a multi-row INSERT.
CREATE OR REPLACE FUNCTION lessons_check_correction() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  original lessons%ROWTYPE;
BEGIN
  SELECT * INTO original FROM lessons WHERE id = NEW.correction_of;
  IF NOT FOUND OR original.status = 'draft' OR original.student_id <> NEW.student_id
     OR original.instructor_id <> NEW.instructor_id OR original.lesson_number <> NEW.lesson_number THEN
    RAISE EXCEPTION 'lesson % must correct a signed lesson of the same student and instructor and keep its lesson number (edit a draft instead)', NEW.id
      USING ERRCODE = 'ND002', TABLE = 'lessons';
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER lessons_correction_check AFTER INSERT ON lessons
  DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW WHEN (NEW.correction_of IS NOT NULL)
  EXECUTE FUNCTION lessons_check_correction();
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
