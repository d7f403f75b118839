-- At most 5 active parent links per student (issue 7; domain-rules.md "Privacy and tenancy"). A link
-- becoming active (inserted active, or moved to active) first updates its student's row, so two links
-- activated at once for one student are counted one after the other (under REPEATABLE READ the second
-- fails with a serialization error instead of counting a stale snapshot). SQLSTATE ND005
-- (PARENT_LINK_LIMIT in TypeScript).
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
CREATE TRIGGER parent_student_links_limit BEFORE INSERT OR UPDATE ON parent_student_links
  FOR EACH ROW EXECUTE FUNCTION parent_student_links_limit();
