-- The lesson logbook row (ACT Form 10.044) and its signing steps, enforced by the database.
--   INSERT   always as 'draft' with no signatures; a correction (correction_of set) must correct a
--            signed or disputed lesson of the same student and keep its lesson_number.
--   draft                      -> any edit; -> pending_student_signature once instructor_signature_id
--                                 names an instructor signature of this lesson.
--   pending_student_signature  -> completed, setting student_signature_id (a student signature of
--                                 this lesson) and signed_at, and nothing else; or -> disputed, alone.
--   completed, disputed        -> never change again.
--   DELETE   only a draft. TRUNCATE never.
-- Violations raise SQLSTATE ND002 (LESSON_FROZEN in TypeScript); TRUNCATE raises ND001.
CREATE OR REPLACE FUNCTION lessons_signing_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  original lessons%ROWTYPE;
  changed text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION 'lesson % is %: only a draft lesson can be deleted', OLD.id, OLD.status
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
    IF NEW.correction_of IS NOT NULL THEN
      SELECT * INTO original FROM lessons WHERE id = NEW.correction_of;
      IF FOUND AND (original.status = 'draft' OR original.student_id <> NEW.student_id
                    OR original.lesson_number <> NEW.lesson_number) THEN
        RAISE EXCEPTION 'a correction must correct a signed lesson of the same student and keep its lesson number % (edit a draft instead)',
          original.lesson_number USING ERRCODE = 'ND002', TABLE = 'lessons';
      END IF;
    END IF;
    RETURN NEW;
  END IF;

  -- UPDATE
  IF OLD.status IN ('completed', 'disputed') THEN
    RAISE EXCEPTION 'lesson % is %: it can never change again; record a correction instead', OLD.id, OLD.status
      USING ERRCODE = 'ND002', TABLE = 'lessons';
  END IF;

  IF OLD.status = 'draft' THEN
    IF NEW.status = 'draft' THEN
      IF NEW.instructor_signature_id IS NOT NULL OR NEW.student_signature_id IS NOT NULL OR NEW.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'a draft lesson carries no signatures; signing moves it to pending_student_signature'
          USING ERRCODE = 'ND002', TABLE = 'lessons';
      END IF;
      RETURN NEW;
    END IF;
    IF NEW.status <> 'pending_student_signature' THEN
      RAISE EXCEPTION 'a draft lesson can only move to pending_student_signature (the instructor signs first), not %', NEW.status
        USING ERRCODE = 'ND002', TABLE = 'lessons';
    END IF;
    IF NEW.student_signature_id IS NOT NULL OR NEW.signed_at IS NOT NULL OR NOT EXISTS (
         SELECT 1 FROM signatures s WHERE s.id = NEW.instructor_signature_id
            AND s.signer_role = 'instructor' AND s.document_type = 'lesson' AND s.document_id = NEW.id) THEN
      RAISE EXCEPTION 'pending_student_signature needs instructor_signature_id to be an instructor signature of lesson %, and no student signature yet', NEW.id
        USING ERRCODE = 'ND002', TABLE = 'lessons';
    END IF;
    RETURN NEW;
  END IF;

  -- OLD.status = 'pending_student_signature': the row is frozen except for the last signing step.
  -- total_km is generated after BEFORE triggers run, so NEW does not hold its final value yet.
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
  IF NEW.status <> 'completed' OR NEW.signed_at IS NULL OR NOT EXISTS (
       SELECT 1 FROM signatures s WHERE s.id = NEW.student_signature_id
          AND s.signer_role = 'student' AND s.document_type = 'lesson' AND s.document_id = NEW.id) THEN
    RAISE EXCEPTION 'lesson % can only be completed with a student signature of this lesson and signed_at, or disputed', OLD.id
      USING ERRCODE = 'ND002', TABLE = 'lessons';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER lessons_signing_guard BEFORE INSERT OR UPDATE OR DELETE ON lessons
  FOR EACH ROW EXECUTE FUNCTION lessons_signing_guard();
--> statement-breakpoint
CREATE TRIGGER lessons_no_truncate BEFORE TRUNCATE ON lessons
  FOR EACH STATEMENT EXECUTE FUNCTION nd_reject_change();
