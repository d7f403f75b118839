-- next_lesson_number(student): the student's next logbook number, 1, 2, 3... (spec section 7).
-- The spec's version is MAX()+1, which hands the same number to two concurrent recordings. This one
-- first takes a transaction-level advisory lock for the student, so a second caller waits until the
-- first transaction ends and then sees its row. Call it in the same transaction as the INSERT.
-- Corrections keep the number of the lesson they correct and are not counted.
CREATE OR REPLACE FUNCTION next_lesson_number(p_student_id uuid) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('lessons.lesson_number'), hashtext(p_student_id::text));
  RETURN (
    SELECT COALESCE(MAX(lesson_number), 0) + 1
    FROM lessons
    WHERE student_id = p_student_id AND correction_of IS NULL
  );
END;
$$;
