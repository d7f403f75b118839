-- The booking lifecycle holds on every path (issue 9; domain-rules.md "Scheduling"). Before this, raw
-- SQL could move a completed booking back to pending, revive a cancelled one, move a booking to another
-- time or instructor without rescheduling it, and cancel one without saying who or when.
--   * status changes only along: pending -> confirmed | cancelled; confirmed -> in_progress | cancelled
--     | no_show | rescheduled; in_progress -> completed | cancelled. completed, cancelled, no_show and
--     rescheduled are final. Anything else: SQLSTATE ND020 (INVALID_TRANSITION in TypeScript; the same
--     table is BOOKING_TRANSITIONS in src/access/scheduling/rules.ts, and a test compares the two).
--   * cancelled_at and cancelled_by are set exactly when the status becomes cancelled: cancelled_at is
--     the database's clock (a caller's value is overwritten), cancelled_by must name who cancelled (a
--     Clerk user id or a system actor's name); no other booking has either, and once set they never
--     change: ND021 (INVALID_CANCELLATION).
--   * a booking's instructor, service, times, contact, price, who booked it and how, and created_at (the
--     start of its hold) never change, and its student only from none (a prospect who enrols): a booking
--     moves by being rescheduled (a new booking, the old one marked rescheduled), never by being
--     edited: ND022 (BOOKING_FROZEN). The reason a booking was cancelled never changes (ND021).
-- INSERT is checked for the cancellation columns only: a booking may be entered in any status (history).
-- The exclusion constraint bookings_instructor_no_overlap_excl stays the last line against overlaps.
CREATE OR REPLACE FUNCTION bookings_lifecycle_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.instructor_id IS DISTINCT FROM OLD.instructor_id OR NEW.service_id IS DISTINCT FROM OLD.service_id
       OR NEW.start_time IS DISTINCT FROM OLD.start_time OR NEW.end_time IS DISTINCT FROM OLD.end_time
       OR NEW.duration_minutes IS DISTINCT FROM OLD.duration_minutes OR NEW.scheduled_date IS DISTINCT FROM OLD.scheduled_date
       OR NEW.contact_id IS DISTINCT FROM OLD.contact_id OR NEW.amount_cents IS DISTINCT FROM OLD.amount_cents
       OR NEW.booked_by IS DISTINCT FROM OLD.booked_by OR NEW.booked_via IS DISTINCT FROM OLD.booked_via
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR (OLD.student_id IS NOT NULL AND NEW.student_id IS DISTINCT FROM OLD.student_id) THEN
      RAISE EXCEPTION 'booking %: who it is for, who booked it, its instructor, service, times and price never change; reschedule it instead', OLD.id
        USING ERRCODE = 'ND022', TABLE = 'bookings';
    END IF;
    IF OLD.status = 'cancelled' AND NEW.cancellation_reason IS DISTINCT FROM OLD.cancellation_reason THEN
      RAISE EXCEPTION 'booking %: the reason it was cancelled never changes', OLD.id
        USING ERRCODE = 'ND021', TABLE = 'bookings';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
         (OLD.status = 'pending' AND NEW.status IN ('confirmed', 'cancelled'))
      OR (OLD.status = 'confirmed' AND NEW.status IN ('in_progress', 'cancelled', 'no_show', 'rescheduled'))
      OR (OLD.status = 'in_progress' AND NEW.status IN ('completed', 'cancelled'))) THEN
      RAISE EXCEPTION 'booking % is %; it cannot become %', OLD.id, OLD.status, NEW.status
        USING ERRCODE = 'ND020', TABLE = 'bookings';
    END IF;
  END IF;
  IF NEW.status = 'cancelled' THEN
    IF TG_OP = 'INSERT' OR OLD.status <> 'cancelled' THEN
      IF NEW.cancelled_by IS NULL OR btrim(NEW.cancelled_by) = '' THEN
        RAISE EXCEPTION 'booking %: a cancellation names who cancelled (cancelled_by)', NEW.id
          USING ERRCODE = 'ND021', TABLE = 'bookings';
      END IF;
      NEW.cancelled_at := now();
    ELSIF NEW.cancelled_at IS DISTINCT FROM OLD.cancelled_at OR NEW.cancelled_by IS DISTINCT FROM OLD.cancelled_by THEN
      RAISE EXCEPTION 'booking %: who cancelled it and when never change', NEW.id
        USING ERRCODE = 'ND021', TABLE = 'bookings';
    END IF;
  ELSIF NEW.cancelled_at IS NOT NULL OR NEW.cancelled_by IS NOT NULL THEN
    RAISE EXCEPTION 'booking % is %: only a cancelled booking has cancelled_at and cancelled_by', NEW.id, NEW.status
      USING ERRCODE = 'ND021', TABLE = 'bookings';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER bookings_lifecycle_guard BEFORE INSERT OR UPDATE ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_lifecycle_guard();
