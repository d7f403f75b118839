-- Faster certificate checks, same answers (issue 20, item 4: getStudentProgress at most 2x its bare
-- SELECT). nd_certificate_missing_tasks and nd_final_drive_problem were SQL functions with a SET clause,
-- which PostgreSQL never inlines and plans again on every call (measured: about 0.6 ms of a progress
-- read's 5). As PL/pgSQL they keep their plan for the session. nd_certificate_missing_tasks also finds
-- each task's newest row the way the progress read does (ORDER BY chain_position DESC LIMIT 1, one
-- backward probe of the (student_id, chain_position) key) instead of DISTINCT ON over all its rows.
-- A task is missing unless its newest row in the transmission is competent and, for the final drive,
-- its lesson as it stands counts: the rule of migration 0023, unchanged.
CREATE OR REPLACE FUNCTION nd_final_drive_problem(p_student uuid, p_transmission text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $f$
BEGIN
  RETURN (SELECT string_agg(format('task %s: %s', ct.task_number, nd_final_drive_lesson_problem(latest.lesson_id, p_student, ct.final_drive_min_minutes)), '; ' ORDER BY ct.task_number)
    FROM competency_tasks ct
    JOIN LATERAL (
      SELECT sc.status, sc.lesson_id FROM student_competencies sc
       WHERE sc.student_id = p_student AND sc.transmission = p_transmission AND sc.task_id = ct.id
       ORDER BY sc.chain_position DESC LIMIT 1) latest ON true
   WHERE ct.is_active AND ct.is_final_drive AND latest.status = 'competent'
     AND nd_final_drive_lesson_problem(latest.lesson_id, p_student, ct.final_drive_min_minutes) IS NOT NULL);
END $f$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION nd_certificate_missing_tasks(p_student uuid, p_transmission text) RETURNS integer[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $f$
BEGIN
  RETURN (SELECT coalesce(array_agg(ct.task_number ORDER BY ct.task_number), '{}')
    FROM competency_tasks ct
    LEFT JOIN LATERAL (
      SELECT sc.status, sc.lesson_id FROM student_competencies sc
       WHERE sc.student_id = p_student AND sc.transmission = p_transmission AND sc.task_id = ct.id
       ORDER BY sc.chain_position DESC LIMIT 1) latest ON true
   WHERE ct.is_active AND NOT (
     latest.status IS NOT DISTINCT FROM 'competent'
     AND (NOT ct.is_final_drive OR nd_final_drive_lesson_problem(latest.lesson_id, p_student, ct.final_drive_min_minutes) IS NULL)));
END $f$;
