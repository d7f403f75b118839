-- The ACT CBT&A rules, enforced by the database (issue 8). student_competencies is the school's legal
-- record of competency-based training and assessment; before this any row was accepted: `competent`
-- for the final drive with no prerequisites and no lesson, for another instructor's student, in the
-- wrong transmission, a reassessment straight after `not_yet_competent`, a status_changed_at in 2099.
-- Now every INSERT is checked, under the student's chain lock (so concurrent writers see each other):
--   * the row's instructor is the student's instructor; its transmission the student's transmission;
--     its task is active; its lesson (if any) is the student's; status_changed_at is the database's
--     clock (nd_now());                                                             ND014 COMPETENCY_ROW_MISMATCH
--   * the transition from the task's current status (its newest row in that transmission; none means
--     not_started): not_started -> taught|assessed|competent; taught -> assessed|competent;
--     assessed -> competent|not_yet_competent; not_yet_competent -> assessed|taught. Nothing leaves
--     competent except an overrule (the transaction sets nexdrive.competency_overrule to its reason;
--     the access layer lets only admins do that, and audits it).                   ND010 INVALID_TRANSITION
--   * assessed, competent and not_yet_competent need every prerequisite, every task a review task
--     reviews, and the last revision point before the task (the tasks the previous review task
--     reviews, and that review task) competent in the same transmission; the
--     blocking task numbers are in the error's DETAIL as JSON.                      ND011 PREREQUISITES_NOT_MET
--   * no assessed or competent within nd_competency_cooldown() (36 hours) of not_yet_competent;
--     the time it ends is in the DETAIL.                                            ND012 NYC_COOLDOWN_ACTIVE
--   * the final drive is competent only with a lesson of the student of at least
--     final_drive_min_minutes.                                                      ND013 FINAL_DRIVE_LESSON_REQUIRED
-- And a certificate of competency (students.certificate_*) is issued by the database: when
-- certificate_issued_at is first set, every active task must be competent in the student's transmission
-- (ND017 CERTIFICATE_NOT_ELIGIBLE, the missing tasks in the DETAIL); the database sets the time, the
-- Canberra completion date, status 'completed' and the next CERT-YYYY-NNNN of that Canberra year; once
-- issued none of it changes (ND016 CERTIFICATE_FROZEN).
-- Every function here fixes its search_path, so a temporary table cannot stand in for one of ours.
CREATE OR REPLACE FUNCTION nd_competency_cooldown() RETURNS interval
LANGUAGE sql IMMUTABLE AS $$ SELECT interval '36 hours' $$;
--> statement-breakpoint
-- The database's clock for compliance records. Tests (and only the tables' owner, never the
-- application's role) may set nexdrive.clock to a timestamptz for the transaction, to walk through
-- cooldowns and year ends without waiting; anyone else who sets it is refused (ND015).
CREATE OR REPLACE FUNCTION nd_now() RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  forced text := nullif(current_setting('nexdrive.clock', true), '');
BEGIN
  IF forced IS NULL THEN
    RETURN clock_timestamp();
  END IF;
  IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'public.student_competencies'::regclass), 'MEMBER') THEN
    RAISE EXCEPTION 'nexdrive.clock is honoured only for the owner of the tables (tests); % may not set it', current_user
      USING ERRCODE = 'ND015';
  END IF;
  RETURN forced::timestamptz;
END;
$$;
--> statement-breakpoint
-- The task numbers that must be competent (and are not) before task p_task can be assessed.
CREATE OR REPLACE FUNCTION nd_competency_blocking_tasks(p_student uuid, p_task uuid, p_transmission text) RETURNS integer[]
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
  WITH target AS (
    SELECT task_number, coalesce(prerequisites, '{}') AS prerequisites, coalesce(review_requires_tasks, '{}') AS reviews
      FROM competency_tasks WHERE id = p_task
  ), revision_point AS (
    SELECT r.task_number, coalesce(r.review_requires_tasks, '{}') AS reviews
      FROM competency_tasks r, target t
     WHERE r.is_review AND r.is_active AND r.task_number < t.task_number
     ORDER BY r.task_number DESC LIMIT 1
  ), needed AS (
    SELECT unnest(prerequisites) AS n FROM target
    UNION SELECT unnest(reviews) FROM target
    UNION SELECT task_number FROM revision_point
    UNION SELECT unnest(reviews) FROM revision_point
  ), competent AS (
    SELECT task_number FROM (
      SELECT DISTINCT ON (sc.task_id) ct.task_number, sc.status
        FROM student_competencies sc JOIN competency_tasks ct ON ct.id = sc.task_id
       WHERE sc.student_id = p_student AND sc.transmission = p_transmission
       ORDER BY sc.task_id, sc.chain_position DESC) latest
     WHERE status = 'competent'
  )
  SELECT coalesce(array_agg(n ORDER BY n), '{}') FROM needed WHERE n NOT IN (SELECT task_number FROM competent)
$$;
--> statement-breakpoint
-- Named to run before competency_hash_chain (triggers fire in name order), so the hash covers the
-- database's status_changed_at; it takes the same per-student lock the chain trigger takes next.
CREATE OR REPLACE FUNCTION student_competencies_rules_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  s students%ROWTYPE;
  t competency_tasks%ROWTYPE;
  current_status text;
  current_at timestamptz;
  now_ts timestamptz;
  blocking integer[];
  lesson_minutes integer;
  overrule text := nullif(current_setting('nexdrive.competency_overrule', true), '');
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('nexdrive.competency_chain'), hashtext(NEW.student_id::text));
  now_ts := nd_now();
  NEW.status_changed_at := now_ts;

  SELECT * INTO s FROM students WHERE id = NEW.student_id;
  SELECT * INTO t FROM competency_tasks WHERE id = NEW.task_id;
  IF s.id IS NULL OR t.id IS NULL OR NOT t.is_active THEN
    RAISE EXCEPTION 'no such student, or task % is not an active competency task', coalesce(t.task_number::text, NEW.task_id::text)
      USING ERRCODE = 'ND014', TABLE = 'student_competencies';
  END IF;
  IF NEW.instructor_id IS DISTINCT FROM s.instructor_id THEN
    RAISE EXCEPTION 'task %: the row''s instructor must be the student''s instructor %', t.task_number, s.instructor_id
      USING ERRCODE = 'ND014', TABLE = 'student_competencies';
  END IF;
  IF NEW.transmission IS DISTINCT FROM s.transmission THEN
    RAISE EXCEPTION 'task %: the student learns in %, not %', t.task_number, s.transmission, NEW.transmission
      USING ERRCODE = 'ND014', TABLE = 'student_competencies';
  END IF;
  IF NEW.lesson_id IS NOT NULL THEN
    SELECT total_minutes INTO lesson_minutes FROM lessons WHERE id = NEW.lesson_id AND student_id = NEW.student_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'task %: lesson % is not a lesson of this student', t.task_number, NEW.lesson_id
        USING ERRCODE = 'ND014', TABLE = 'student_competencies';
    END IF;
  END IF;

  SELECT status, status_changed_at INTO current_status, current_at FROM student_competencies
   WHERE student_id = NEW.student_id AND task_id = NEW.task_id AND transmission = NEW.transmission
   ORDER BY chain_position DESC LIMIT 1;
  current_status := coalesce(current_status, 'not_started');

  IF current_status = 'competent' THEN
    IF overrule IS NULL OR NEW.status NOT IN ('taught', 'assessed', 'not_yet_competent') THEN
      RAISE EXCEPTION 'task % is competent: nothing leaves competent except an overrule with a reason', t.task_number
        USING ERRCODE = 'ND010', TABLE = 'student_competencies',
              DETAIL = json_build_object('taskNumber', t.task_number, 'from', current_status, 'to', NEW.status)::text;
    END IF;
    RETURN NEW; -- an overrule: the decision is the admin's
  END IF;
  IF NOT ((current_status = 'not_started' AND NEW.status IN ('taught', 'assessed', 'competent'))
       OR (current_status = 'taught' AND NEW.status IN ('assessed', 'competent'))
       OR (current_status = 'assessed' AND NEW.status IN ('competent', 'not_yet_competent'))
       OR (current_status = 'not_yet_competent' AND NEW.status IN ('assessed', 'taught'))) THEN
    RAISE EXCEPTION 'task %: % cannot follow %', t.task_number, NEW.status, current_status
      USING ERRCODE = 'ND010', TABLE = 'student_competencies',
            DETAIL = json_build_object('taskNumber', t.task_number, 'from', current_status, 'to', NEW.status)::text;
  END IF;

  IF current_status = 'not_yet_competent' AND NEW.status IN ('assessed', 'competent')
     AND now_ts < current_at + nd_competency_cooldown() THEN
    RAISE EXCEPTION 'task % was assessed not yet competent at %: it can be reassessed from %', t.task_number, current_at, current_at + nd_competency_cooldown()
      USING ERRCODE = 'ND012', TABLE = 'student_competencies',
            DETAIL = json_build_object('taskNumber', t.task_number, 'endsAt', current_at + nd_competency_cooldown())::text;
  END IF;

  IF NEW.status IN ('assessed', 'competent', 'not_yet_competent') THEN
    blocking := nd_competency_blocking_tasks(NEW.student_id, NEW.task_id, NEW.transmission);
    IF cardinality(blocking) > 0 THEN
      RAISE EXCEPTION 'task % needs tasks % competent first', t.task_number, array_to_string(blocking, ', ')
        USING ERRCODE = 'ND011', TABLE = 'student_competencies',
              DETAIL = json_build_object('taskNumber', t.task_number, 'blockingTasks', blocking)::text;
    END IF;
  END IF;

  IF t.is_final_drive AND NEW.status = 'competent'
     AND (lesson_minutes IS NULL OR lesson_minutes < coalesce(t.final_drive_min_minutes, 0)) THEN
    RAISE EXCEPTION 'task % (the final drive) is competent only with a lesson of at least % minutes', t.task_number, t.final_drive_min_minutes
      USING ERRCODE = 'ND013', TABLE = 'student_competencies',
            DETAIL = json_build_object('taskNumber', t.task_number, 'minMinutes', t.final_drive_min_minutes, 'lessonMinutes', lesson_minutes)::text;
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER competency_guard BEFORE INSERT ON student_competencies
  FOR EACH ROW EXECUTE FUNCTION student_competencies_rules_guard();
--> statement-breakpoint
-- The active tasks a student is not (yet) competent in, in their transmission.
CREATE OR REPLACE FUNCTION nd_certificate_missing_tasks(p_student uuid, p_transmission text) RETURNS integer[]
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT coalesce(array_agg(ct.task_number ORDER BY ct.task_number), '{}')
    FROM competency_tasks ct
   WHERE ct.is_active AND NOT EXISTS (
     SELECT 1 FROM (
       SELECT DISTINCT ON (sc.task_id) sc.status FROM student_competencies sc
        WHERE sc.student_id = p_student AND sc.transmission = p_transmission AND sc.task_id = ct.id
        ORDER BY sc.task_id, sc.chain_position DESC) latest
      WHERE latest.status = 'competent')
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION students_certificate_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  missing integer[];
  issued timestamptz;
  issue_year integer;
  last_number integer;
BEGIN
  IF OLD.certificate_number IS NOT NULL THEN
    IF NEW.certificate_number IS DISTINCT FROM OLD.certificate_number OR NEW.certificate_issued_at IS DISTINCT FROM OLD.certificate_issued_at
       OR NEW.completion_date IS DISTINCT FROM OLD.completion_date THEN
      RAISE EXCEPTION 'student % holds certificate %: it never changes', OLD.id, OLD.certificate_number
        USING ERRCODE = 'ND016', TABLE = 'students';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.certificate_number IS NULL AND NEW.certificate_issued_at IS NULL THEN
    RETURN NEW; -- not issuing
  END IF;
  missing := nd_certificate_missing_tasks(NEW.id, NEW.transmission);
  IF cardinality(missing) > 0 THEN
    RAISE EXCEPTION 'student % is not competent in task(s) % (%)', NEW.id, array_to_string(missing, ', '), NEW.transmission
      USING ERRCODE = 'ND017', TABLE = 'students', DETAIL = json_build_object('missingTasks', missing)::text;
  END IF;
  issued := nd_now();
  issue_year := extract(year FROM issued AT TIME ZONE 'Australia/Canberra')::integer;
  PERFORM pg_advisory_xact_lock(hashtext('nexdrive.certificate_number'), issue_year);
  SELECT max(split_part(certificate_number, '-', 3)::integer) INTO last_number
    FROM students WHERE certificate_number LIKE 'CERT-' || issue_year || '-%';
  NEW.certificate_number := format('CERT-%s-%s', issue_year, lpad((coalesce(last_number, 0) + 1)::text, 4, '0'));
  NEW.certificate_issued_at := issued;
  NEW.completion_date := (issued AT TIME ZONE 'Australia/Canberra')::date;
  NEW.status := 'completed';
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER students_certificate_guard BEFORE UPDATE ON students
  FOR EACH ROW EXECUTE FUNCTION students_certificate_guard();
--> statement-breakpoint
-- A student's first row: a certificate is issued by an UPDATE, never inserted.
CREATE OR REPLACE FUNCTION students_no_certificate_on_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF NEW.certificate_number IS NOT NULL OR NEW.certificate_issued_at IS NOT NULL THEN
    RAISE EXCEPTION 'a certificate is issued to an existing student (UPDATE certificate_issued_at), never inserted'
      USING ERRCODE = 'ND017', TABLE = 'students';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER students_no_certificate_on_insert BEFORE INSERT ON students
  FOR EACH ROW EXECUTE FUNCTION students_no_certificate_on_insert();
