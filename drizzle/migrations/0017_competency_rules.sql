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
--     competent except an overrule (to taught, assessed or not_yet_competent), and an overrule stands
--     only with its COMPETENCY_OVERRULED audit entry, by an admin, naming the row and a reason, written
--     in the same transaction (checked at commit by competency_overrule_check); the access layer lets
--     only admins overrule. A student who holds a certificate gets no new rows.    ND010 INVALID_TRANSITION
--   * assessed, competent and not_yet_competent need every prerequisite, every task a review task
--     reviews, and the last revision point before the task (the tasks the previous review task
--     reviews, and that review task) competent in the same transmission; the
--     blocking task numbers are in the error's DETAIL as JSON.                      ND011 PREREQUISITES_NOT_MET
--   * no assessed or competent within nd_competency_cooldown() (36 hours) of the task's last
--     not_yet_competent, whatever came between (teaching may go on meanwhile); the time it ends is in
--     the DETAIL.                                                                   ND012 NYC_COOLDOWN_ACTIVE
--   * the final drive is competent only with a lesson of the student that has ended, is not disputed,
--     and lasted at least final_drive_min_minutes.                                 ND013 FINAL_DRIVE_LESSON_REQUIRED
-- And a certificate of competency (students.certificate_*) is issued by the database: when
-- certificate_issued_at is first set, every active task must be competent in the student's transmission
-- and the final drive's lesson signed by both (ND017 CERTIFICATE_NOT_ELIGIBLE, the missing tasks in the
-- DETAIL), judged under the student's competency lock; the database sets the time, the Canberra
-- completion date, status 'completed' and the next CERT-YYYY-NNNN of that Canberra year; once issued
-- none of it changes, nor the student's transmission, nor a status other than completed or archived
-- (ND016 CERTIFICATE_FROZEN).
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
  now_ts timestamptz;
  blocking integer[];
  lesson_minutes integer;
  lesson_ended boolean;
  lesson_disputed boolean;
  last_nyc timestamptz;
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
  IF s.certificate_number IS NOT NULL THEN
    RAISE EXCEPTION 'student % holds certificate %: their competency record is final', s.id, s.certificate_number
      USING ERRCODE = 'ND016', TABLE = 'student_competencies';
  END IF;
  IF NEW.lesson_id IS NOT NULL THEN
    -- Minutes as the times say (never more than total_minutes claims), and whether it has happened.
    SELECT least(total_minutes, floor(extract(epoch FROM end_time - start_time) / 60)::integer), end_time <= now_ts, status = 'disputed'
      INTO lesson_minutes, lesson_ended, lesson_disputed
      FROM lessons WHERE id = NEW.lesson_id AND student_id = NEW.student_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'task %: lesson % is not a lesson of this student', t.task_number, NEW.lesson_id
        USING ERRCODE = 'ND014', TABLE = 'student_competencies';
    END IF;
  END IF;

  SELECT status INTO current_status FROM student_competencies
   WHERE student_id = NEW.student_id AND task_id = NEW.task_id AND transmission = NEW.transmission
   ORDER BY chain_position DESC LIMIT 1;
  current_status := coalesce(current_status, 'not_started');

  IF current_status = 'competent' THEN
    IF NEW.status NOT IN ('taught', 'assessed', 'not_yet_competent') THEN
      RAISE EXCEPTION 'task % is competent: nothing leaves competent except an overrule with a reason', t.task_number
        USING ERRCODE = 'ND010', TABLE = 'student_competencies',
              DETAIL = json_build_object('taskNumber', t.task_number, 'from', current_status, 'to', NEW.status)::text;
    END IF;
    RETURN NEW; -- an overrule: the decision is an admin's, and competency_overrule_check wants its audit entry
  END IF;
  IF NOT ((current_status = 'not_started' AND NEW.status IN ('taught', 'assessed', 'competent'))
       OR (current_status = 'taught' AND NEW.status IN ('assessed', 'competent'))
       OR (current_status = 'assessed' AND NEW.status IN ('competent', 'not_yet_competent'))
       OR (current_status = 'not_yet_competent' AND NEW.status IN ('assessed', 'taught'))) THEN
    RAISE EXCEPTION 'task %: % cannot follow %', t.task_number, NEW.status, current_status
      USING ERRCODE = 'ND010', TABLE = 'student_competencies',
            DETAIL = json_build_object('taskNumber', t.task_number, 'from', current_status, 'to', NEW.status)::text;
  END IF;

  IF NEW.status IN ('assessed', 'competent') THEN
    SELECT status_changed_at INTO last_nyc FROM student_competencies
     WHERE student_id = NEW.student_id AND task_id = NEW.task_id AND transmission = NEW.transmission AND status = 'not_yet_competent'
     ORDER BY chain_position DESC LIMIT 1;
    IF last_nyc IS NOT NULL AND now_ts < last_nyc + nd_competency_cooldown() THEN
      RAISE EXCEPTION 'task % was assessed not yet competent at %: it can be reassessed from %', t.task_number, last_nyc, last_nyc + nd_competency_cooldown()
        USING ERRCODE = 'ND012', TABLE = 'student_competencies',
              DETAIL = json_build_object('taskNumber', t.task_number, 'endsAt', last_nyc + nd_competency_cooldown())::text;
    END IF;
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
     AND (lesson_minutes IS NULL OR lesson_minutes < coalesce(t.final_drive_min_minutes, 0) OR NOT lesson_ended OR lesson_disputed) THEN
    RAISE EXCEPTION 'task % (the final drive) is competent only with a lesson of the student that has ended, is not disputed and lasted at least % minutes', t.task_number, t.final_drive_min_minutes
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
-- At commit: a row that took its task out of competent stands only with its audit entry.
CREATE OR REPLACE FUNCTION student_competencies_check_overrule() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF (SELECT status FROM student_competencies
       WHERE student_id = NEW.student_id AND task_id = NEW.task_id AND transmission = NEW.transmission AND chain_position < NEW.chain_position
       ORDER BY chain_position DESC LIMIT 1) = 'competent'
     AND NOT EXISTS (
       SELECT 1 FROM audit_log a
        WHERE a.event_type = 'COMPETENCY_OVERRULED' AND a.actor_role = 'admin' AND a.subject_id = NEW.student_id
          AND a.details ->> 'competencyId' = NEW.id::text AND btrim(coalesce(a.details ->> 'reason', '')) <> ''
          AND a.created_at >= now()) THEN
    RAISE EXCEPTION 'competency row % overrules a competent task without its COMPETENCY_OVERRULED audit entry (an admin, a reason)', NEW.id
      USING ERRCODE = 'ND010', TABLE = 'student_competencies',
            DETAIL = json_build_object('taskNumber', (SELECT task_number FROM competency_tasks WHERE id = NEW.task_id), 'from', 'competent', 'to', NEW.status)::text;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER competency_overrule_check AFTER INSERT ON student_competencies
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION student_competencies_check_overrule();
--> statement-breakpoint
-- The active tasks a student is not (yet) competent in, in their transmission; the final drive counts
-- only once its lesson is signed by both (completed).
CREATE OR REPLACE FUNCTION nd_certificate_missing_tasks(p_student uuid, p_transmission text) RETURNS integer[]
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT coalesce(array_agg(ct.task_number ORDER BY ct.task_number), '{}')
    FROM competency_tasks ct
   WHERE ct.is_active AND NOT EXISTS (
     SELECT 1 FROM (
       SELECT DISTINCT ON (sc.task_id) sc.status, sc.lesson_id FROM student_competencies sc
        WHERE sc.student_id = p_student AND sc.transmission = p_transmission AND sc.task_id = ct.id
        ORDER BY sc.task_id, sc.chain_position DESC) latest
      WHERE latest.status = 'competent'
        AND (NOT ct.is_final_drive OR EXISTS (SELECT 1 FROM lessons l WHERE l.id = latest.lesson_id AND l.status = 'completed')))
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
       OR NEW.completion_date IS DISTINCT FROM OLD.completion_date OR NEW.transmission IS DISTINCT FROM OLD.transmission
       OR NEW.status NOT IN ('completed', 'archived') THEN
      RAISE EXCEPTION 'student % holds certificate %: it, the transmission it certifies and the completed status never change', OLD.id, OLD.certificate_number
        USING ERRCODE = 'ND016', TABLE = 'students';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.certificate_number IS NULL AND NEW.certificate_issued_at IS NULL THEN
    RETURN NEW; -- not issuing
  END IF;
  -- The student's competency lock: a competency change in flight (an overrule, say) commits first.
  PERFORM pg_advisory_xact_lock(hashtext('nexdrive.competency_chain'), hashtext(NEW.id::text));
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
  last_number := coalesce(last_number, 0) + 1;
  -- At least four digits: 0001 ... 9999, then 10000 (lpad alone would cut 10000 to 1000).
  NEW.certificate_number := format('CERT-%s-%s', issue_year, lpad(last_number::text, greatest(4, length(last_number::text)), '0'));
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
