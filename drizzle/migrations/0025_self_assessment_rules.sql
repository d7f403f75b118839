-- Self-assessments (SPEC-19, issue 19). Why this migration exists: the assessment's type is the
-- database's decision, from the student's progress and the booking it prepares for, not the caller's
-- (a student must not pick the short form before a final drive); and a submitted assessment is final,
-- whoever writes SQL. nd_self_assessment_type() is what startSelfAssessment inserts; the guard keeps
-- the type, the student and a submitted row's answers as they were, and stamps completed_at itself.
--
-- The type (SPEC-19 section 3): no booking, or a booking that is not an assessment -> 'general'. An
-- assessment booking (services.category = 'assessment': the review and the final drive) -> by the
-- number of review tasks (competency_tasks.is_review, tasks 17 and 22) whose latest status for the
-- student's transmission is 'competent': none -> 'pre_review_1_17', one -> 'pre_review_1_22',
-- both -> 'pre_final_drive'.
CREATE OR REPLACE FUNCTION nd_self_assessment_type(p_student uuid, p_booking uuid) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT CASE
    WHEN p_booking IS NULL OR NOT EXISTS (
      SELECT 1 FROM bookings b JOIN services s ON s.id = b.service_id
       WHERE b.id = p_booking AND b.student_id = p_student AND s.category = 'assessment') THEN 'general'
    ELSE (SELECT CASE count(*) WHEN 0 THEN 'pre_review_1_17' WHEN 1 THEN 'pre_review_1_22' ELSE 'pre_final_drive' END
            FROM competency_tasks ct JOIN students st ON st.id = p_student
           WHERE ct.is_review AND ct.is_active AND (
             SELECT sc.status FROM student_competencies sc
              WHERE sc.student_id = p_student AND sc.transmission = st.transmission AND sc.task_id = ct.id
              ORDER BY sc.chain_position DESC LIMIT 1) = 'competent')
  END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION self_assessments_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- Started, not submitted: the answers come with the submission.
    IF NEW.completed_at IS NOT NULL OR NEW.reviewed_by_instructor THEN
      RAISE EXCEPTION 'a self-assessment starts unsubmitted and unreviewed' USING ERRCODE = 'ND004', TABLE = 'self_assessments';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.student_id IS DISTINCT FROM OLD.student_id OR NEW.assessment_type IS DISTINCT FROM OLD.assessment_type THEN
    RAISE EXCEPTION 'self-assessment %: its student and type never change', OLD.id USING ERRCODE = 'ND004', TABLE = 'self_assessments';
  END IF;
  IF OLD.completed_at IS NOT NULL THEN
    -- Submitted: final. Only the instructor's "reviewed" mark may still go from false to true.
    IF NEW.responses IS DISTINCT FROM OLD.responses OR NEW.completed_at IS DISTINCT FROM OLD.completed_at
       OR (OLD.reviewed_by_instructor AND NOT NEW.reviewed_by_instructor) THEN
      RAISE EXCEPTION 'self-assessment % was submitted: it is final', OLD.id USING ERRCODE = 'ND004', TABLE = 'self_assessments';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.reviewed_by_instructor THEN
    RAISE EXCEPTION 'self-assessment % is not submitted yet: nothing to review', OLD.id USING ERRCODE = 'ND004', TABLE = 'self_assessments';
  END IF;
  IF NEW.completed_at IS NOT NULL THEN
    NEW.completed_at := nd_now();
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER self_assessments_guard BEFORE INSERT OR UPDATE ON self_assessments
  FOR EACH ROW EXECUTE FUNCTION self_assessments_guard();
