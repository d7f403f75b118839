-- The school's set-up (issue 17, items 5 and 7): rules the database holds for the operations that now
-- write availability and the waitlist (src/access/scheduling/set-availability.ts, waitlist-entries.ts).
--   * availability_rules_no_overlap_excl  no two active weekly rules of one instructor and weekday whose
--     effective dates and wall-clock hours both overlap (hours half-open: 09:00-12:00 and 12:00-15:00
--     may both stand). setAvailabilityRules refuses overlapping rules naming the day; this is the last
--     line against two concurrent changes or raw SQL. The hours are compared as timestamps on one fixed
--     date (there is no range type of time; date + time is immutable), 24:00 being the next midnight.
--   * REVOKE DELETE on availability_rules  a rule is ended (effective_until) or withdrawn (is_active =
--     false), never deleted: the history of when an instructor was available is kept.
--   * waitlist_student_live_unique,       one live entry (waiting or notified) per person and
--     waitlist_contact_live_unique        instructor (no instructor = any, one such entry too: NULLS NOT
--     DISTINCT), so joinWaitlist called twice at once makes one entry (INSERT ... ON CONFLICT).
ALTER TABLE availability_rules ADD CONSTRAINT availability_rules_no_overlap_excl
  EXCLUDE USING gist (
    instructor_id WITH =,
    day_of_week WITH =,
    daterange(effective_from, effective_until, '[]') WITH &&,
    tsrange(DATE '2000-01-01' + start_time, DATE '2000-01-01' + end_time, '[)') WITH &&
  ) WHERE (is_active);
--> statement-breakpoint
REVOKE DELETE ON availability_rules FROM nexdrive_app;
--> statement-breakpoint
CREATE UNIQUE INDEX waitlist_student_live_unique ON waitlist (student_id, instructor_id) NULLS NOT DISTINCT
  WHERE student_id IS NOT NULL AND status IN ('waiting', 'notified');
--> statement-breakpoint
CREATE UNIQUE INDEX waitlist_contact_live_unique ON waitlist (contact_id, instructor_id) NULLS NOT DISTINCT
  WHERE contact_id IS NOT NULL AND status IN ('waiting', 'notified');
