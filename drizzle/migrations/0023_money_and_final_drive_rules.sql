-- Money follows the booking, a completed payment is final, and the final drive stays what it was
-- (issue 15; docs/money.md, docs/compliance.md). Before this, rescheduling copied a booking's payment
-- onto the new booking while the money stayed on the old one (return the old booking's credit: a free
-- lesson), a late webhook marked a cancelled booking paid, a completed payment's created_at, refund
-- columns, gateway_response and invoice_url could be rewritten, the draft lesson a final drive names
-- could be edited to 5 minutes, a correction could shorten it after the fact, and issuing a
-- certificate lifted a suspension.
--   payments_keep_record      (replaces 0013's) no payment is deleted; its created_at (the start of
--                             its hold) never changes; refund columns change only with a refund (the
--                             amount refunded grows, or the status becomes refunded or
--                             partially_refunded) and a refund is never undone; booking_id moves only
--                             to the booking that replaced its booking by a reschedule
--                             (bookings.rescheduled_from); a completed (refunded, disputed) payment is
--                             final: every column but status, the refund columns, booking_id (as above)
--                             and updated_at is frozen; invoice_url may be set once.            ND004
--   payments_money_rules      (replaces 0021's) the status moves of 0021 (ND031); the database records
--                             completed_at when a payment completes and gives the invoice number of
--                             that moment; a payment never completes for a rescheduled booking, and
--                             no checkout opens for a cancelled or rescheduled one (ND032); a payment
--                             that completes for a booking cancelled meanwhile is flagged needs_refund
--                             (the money was taken; the booking is never marked paid). Callers never
--                             write completed_at or needs_refund.
--   bookings_money_follows    a cancelled or rescheduled booking never becomes paid (ND032);
--                             rescheduled_from names a rescheduled booking of the same student,
--                             instructor and price, and never changes (ND022).
--   bookings_money_moved      at commit: a booking that became rescheduled keeps no open or paid
--                             payment; they moved to its successor (ND032).
--   lessons_named_frozen      a lesson a competency row names is frozen even as a draft (it can still
--                             be signed, which changes nothing else: lessons_signing_guard); it is
--                             never deleted (ND002). competency_lock_lesson: a competency row locks
--                             the lesson it names (FOR SHARE) before competency_guard reads it, so an
--                             edit in flight commits first and is seen.
--   nd_lesson_as_it_stands, nd_final_drive_lesson_problem, nd_final_drive_problem: the final drive's
--                             lesson as it stands (the newest completed record down its correction
--                             chain, else the lesson itself) must be completed, the student's and at
--                             least final_drive_min_minutes long.
--   nd_certificate_missing_tasks, students_certificate_guard (replace 0017's) judge the final drive by
--                             that lesson, name why in the DETAIL (reason), and refuse a suspended
--                             student (ND017): issuing never lifts a suspension.
-- Data: bookings rescheduled before this migration get their successor (from the BOOKING_RESCHEDULED
-- audit entry) and their live money moves to it, so the invariant holds for old rows too.
-- Every function fixes its search_path, so a temporary table cannot stand in for one of ours.
CREATE OR REPLACE FUNCTION payments_keep_record() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  changed text;
  refunding boolean;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'payments are never deleted (payment %); record a refund or mark it failed', OLD.id
      USING ERRCODE = 'ND001', TABLE = 'payments';
  END IF;
  IF OLD.invoice_number IS NOT NULL AND NEW.invoice_number IS DISTINCT FROM OLD.invoice_number THEN
    RAISE EXCEPTION 'payment % has invoice number %: it never changes', OLD.id, OLD.invoice_number
      USING ERRCODE = 'ND004', TABLE = 'payments';
  END IF;
  IF NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'payment %: created_at (when its checkout started, the start of its hold) never changes', OLD.id
      USING ERRCODE = 'ND004', TABLE = 'payments';
  END IF;
  -- A refund is never undone: the amount refunded only grows, and its reason and time stay.
  IF coalesce(NEW.refund_amount_cents, 0) < coalesce(OLD.refund_amount_cents, 0)
     OR (OLD.refund_reason IS NOT NULL AND NEW.refund_reason IS NULL)
     OR (OLD.refunded_at IS NOT NULL AND NEW.refunded_at IS NULL) THEN
    RAISE EXCEPTION 'payment %: a recorded refund (% cents) is never undone', OLD.id, OLD.refund_amount_cents
      USING ERRCODE = 'ND004', TABLE = 'payments';
  END IF;
  refunding := coalesce(NEW.refund_amount_cents, 0) > coalesce(OLD.refund_amount_cents, 0)
            OR (NEW.status IS DISTINCT FROM OLD.status AND NEW.status IN ('refunded', 'partially_refunded'));
  IF NOT refunding AND (NEW.refund_amount_cents IS DISTINCT FROM OLD.refund_amount_cents
       OR NEW.refund_reason IS DISTINCT FROM OLD.refund_reason OR NEW.refunded_at IS DISTINCT FROM OLD.refunded_at) THEN
    RAISE EXCEPTION 'payment %: the refund columns change only with a refund', OLD.id
      USING ERRCODE = 'ND004', TABLE = 'payments';
  END IF;
  -- Money follows the booking: a payment moves only to the booking that replaced its own by a reschedule.
  IF NEW.booking_id IS DISTINCT FROM OLD.booking_id AND NOT EXISTS (
       SELECT 1 FROM bookings o JOIN bookings n ON n.rescheduled_from = o.id
        WHERE o.id = OLD.booking_id AND n.id = NEW.booking_id AND o.status = 'rescheduled') THEN
    RAISE EXCEPTION 'payment % pays booking %: it moves only to the booking that replaced that one by a reschedule', OLD.id, OLD.booking_id
      USING ERRCODE = 'ND004', TABLE = 'payments';
  END IF;
  IF OLD.status IN ('completed', 'refunded', 'partially_refunded', 'disputed') THEN
    SELECT string_agg(n.key, ', ' ORDER BY n.key) INTO changed
      FROM jsonb_each(to_jsonb(NEW) - ARRAY['status', 'refund_amount_cents', 'refund_reason', 'refunded_at', 'booking_id', 'updated_at', 'invoice_url']) n
     WHERE n.value IS DISTINCT FROM to_jsonb(OLD) -> n.key;
    IF OLD.invoice_url IS NOT NULL AND NEW.invoice_url IS DISTINCT FROM OLD.invoice_url THEN
      changed := concat_ws(', ', changed, 'invoice_url');
    END IF;
    IF changed IS NOT NULL THEN
      RAISE EXCEPTION 'payment % is %: it is final except through a refund; % never change', OLD.id, OLD.status, changed
        USING ERRCODE = 'ND004', TABLE = 'payments';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION payments_money_rules() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  paid constant text[] := ARRAY['completed', 'partially_refunded', 'refunded', 'disputed'];
  becomes_paid boolean;
  booking_status text;
  at timestamptz;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'pending' AND NEW.status IN ('processing', 'completed', 'failed'))
    OR (OLD.status = 'processing' AND NEW.status IN ('completed', 'failed'))
    OR (OLD.status = 'completed' AND NEW.status IN ('partially_refunded', 'refunded', 'disputed'))
    OR (OLD.status = 'partially_refunded' AND NEW.status IN ('refunded', 'disputed'))
    OR (OLD.status = 'disputed' AND NEW.status IN ('completed', 'partially_refunded', 'refunded'))
  ) THEN
    RAISE EXCEPTION 'payment % cannot move from % to %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'ND031', TABLE = 'payments';
  END IF;
  becomes_paid := NEW.status = ANY (paid) AND (TG_OP = 'INSERT' OR NOT OLD.status = ANY (paid));
  -- completed_at and needs_refund are the database's: a caller's value is overwritten.
  IF TG_OP = 'UPDATE' THEN
    NEW.completed_at := OLD.completed_at;
    NEW.needs_refund := OLD.needs_refund;
  ELSE
    NEW.completed_at := NULL;
    NEW.needs_refund := false;
  END IF;
  IF NEW.booking_id IS NOT NULL AND (becomes_paid OR (TG_OP = 'INSERT' AND NEW.status <> 'failed')) THEN
    SELECT status INTO booking_status FROM bookings WHERE id = NEW.booking_id;
    IF booking_status = 'rescheduled' OR (TG_OP = 'INSERT' AND booking_status = 'cancelled') THEN
      RAISE EXCEPTION 'booking % is %: it takes no payment (a rescheduled booking''s money follows the booking that replaced it)', NEW.booking_id, booking_status
        USING ERRCODE = 'ND032', TABLE = 'payments';
    END IF;
    -- A late completion for a booking cancelled meanwhile: the money was taken, so the payment
    -- completes, and the school owes it back.
    NEW.needs_refund := becomes_paid AND booking_status = 'cancelled';
  END IF;
  at := clock_timestamp();
  IF becomes_paid THEN
    NEW.completed_at := at;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.invoice_number IS NOT NULL THEN
    RETURN NEW; -- a given number never changes: payments_keep_record refuses that
  END IF;
  IF NEW.invoice_number IS NOT NULL THEN
    RAISE EXCEPTION 'payment %: invoice numbers are given by the database when a payment completes, not by the caller (%)', NEW.id, NEW.invoice_number
      USING ERRCODE = 'ND030', TABLE = 'payments';
  END IF;
  IF NEW.status = ANY (paid) AND NEW.payment_method <> 'package_credit' THEN
    NEW.invoice_number := next_invoice_number(at);
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION bookings_money_follows() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  replaced bookings%ROWTYPE;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.rescheduled_from IS DISTINCT FROM OLD.rescheduled_from THEN
      RAISE EXCEPTION 'booking %: the booking it replaced never changes', OLD.id
        USING ERRCODE = 'ND022', TABLE = 'bookings';
    END IF;
    IF NEW.payment_status IS DISTINCT FROM OLD.payment_status AND NEW.payment_status IN ('paid', 'deposit_paid', 'package_credit')
       AND NEW.status IN ('cancelled', 'rescheduled') THEN
      RAISE EXCEPTION 'booking % is %: it is never marked paid (%)', OLD.id, NEW.status, NEW.payment_status
        USING ERRCODE = 'ND032', TABLE = 'bookings';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.rescheduled_from IS NOT NULL THEN
    SELECT * INTO replaced FROM bookings WHERE id = NEW.rescheduled_from;
    IF NOT FOUND OR replaced.status <> 'rescheduled' OR replaced.instructor_id <> NEW.instructor_id
       OR replaced.student_id IS DISTINCT FROM NEW.student_id OR replaced.contact_id IS DISTINCT FROM NEW.contact_id
       OR replaced.amount_cents <> NEW.amount_cents THEN
      RAISE EXCEPTION 'booking % can replace only a rescheduled booking of the same student, instructor and price', NEW.id
        USING ERRCODE = 'ND022', TABLE = 'bookings';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
-- Bookings rescheduled before this migration: their successor is named by the BOOKING_RESCHEDULED
-- audit entry (details.newBookingId), and their live money moves to it, one reschedule at a time (a
-- booking rescheduled twice passes its money on twice), as rescheduleBooking now does. Before the
-- bookings trigger below exists, which would refuse setting rescheduled_from on an existing booking.
UPDATE bookings n SET rescheduled_from = a.subject_id
  FROM audit_log a
 WHERE a.event_type = 'BOOKING_RESCHEDULED' AND a.subject_type = 'booking'
   AND a.details ->> 'newBookingId' = n.id::text AND n.rescheduled_from IS NULL AND a.subject_id <> n.id
   AND EXISTS (SELECT 1 FROM bookings o WHERE o.id = a.subject_id AND o.status = 'rescheduled')
   AND NOT EXISTS (SELECT 1 FROM bookings taken WHERE taken.rescheduled_from = a.subject_id);
--> statement-breakpoint
DO $$
BEGIN
  LOOP
    UPDATE payments p SET booking_id = n.id
      FROM bookings o JOIN bookings n ON n.rescheduled_from = o.id
     WHERE p.booking_id = o.id AND o.status = 'rescheduled'
       AND p.status IN ('pending', 'processing', 'completed', 'partially_refunded', 'disputed');
    EXIT WHEN NOT FOUND;
  END LOOP;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER bookings_money_follows BEFORE INSERT OR UPDATE ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_money_follows();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION bookings_check_money_moved() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  left_behind uuid;
BEGIN
  SELECT id INTO left_behind FROM payments
   WHERE booking_id = NEW.id AND status IN ('pending', 'processing', 'completed', 'partially_refunded', 'disputed')
   LIMIT 1;
  IF left_behind IS NOT NULL THEN
    RAISE EXCEPTION 'booking % was rescheduled but payment % still pays it: money follows the booking that replaced it', NEW.id, left_behind
      USING ERRCODE = 'ND032', TABLE = 'bookings';
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER bookings_money_moved AFTER UPDATE ON bookings
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (NEW.status = 'rescheduled' AND OLD.status IS DISTINCT FROM 'rescheduled')
  EXECUTE FUNCTION bookings_check_money_moved();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION lessons_named_frozen() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF OLD.status = 'draft' AND (TG_OP = 'DELETE' OR NEW.status = 'draft')
     AND EXISTS (SELECT 1 FROM student_competencies sc WHERE sc.lesson_id = OLD.id) THEN
    RAISE EXCEPTION 'lesson % is named by a competency record: it can be signed, never edited or deleted', OLD.id
      USING ERRCODE = 'ND002', TABLE = 'lessons';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER lessons_named_frozen BEFORE UPDATE OR DELETE ON lessons
  FOR EACH ROW EXECUTE FUNCTION lessons_named_frozen();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION student_competencies_lock_lesson() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  PERFORM 1 FROM lessons WHERE id = NEW.lesson_id FOR SHARE;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
-- Named to sort before competency_guard (triggers of one event fire in name order).
CREATE TRIGGER competency_a_lock_lesson BEFORE INSERT ON student_competencies
  FOR EACH ROW WHEN (NEW.lesson_id IS NOT NULL) EXECUTE FUNCTION student_competencies_lock_lesson();
--> statement-breakpoint
-- The record of a lesson as it stands: the newest completed record down its correction chain that no
-- completed correction replaces (the logbook's rule); the lesson itself when none is completed.
CREATE OR REPLACE FUNCTION nd_lesson_as_it_stands(p_lesson uuid) RETURNS uuid
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
  WITH RECURSIVE chain AS (
    SELECT id FROM lessons WHERE id = p_lesson
    UNION
    SELECT l.id FROM lessons l JOIN chain c ON l.correction_of = c.id)
  SELECT coalesce((
    SELECT l.id FROM lessons l JOIN chain c ON c.id = l.id
     WHERE l.status = 'completed'
       AND NOT EXISTS (SELECT 1 FROM lessons x WHERE x.correction_of = l.id AND x.status = 'completed')
     ORDER BY l.created_at DESC, l.id DESC LIMIT 1), p_lesson)
$$;
--> statement-breakpoint
-- Why a competent final drive's lesson does not count (NULL: it counts).
CREATE OR REPLACE FUNCTION nd_final_drive_lesson_problem(p_lesson uuid, p_student uuid, p_min_minutes integer) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  l lessons%ROWTYPE;
  minutes integer;
BEGIN
  IF p_lesson IS NULL THEN
    RETURN 'the final drive names no lesson';
  END IF;
  SELECT * INTO l FROM lessons WHERE id = nd_lesson_as_it_stands(p_lesson);
  IF NOT FOUND OR l.status <> 'completed' THEN
    RETURN 'the final drive''s lesson is not yet signed by the instructor and the student';
  END IF;
  IF l.student_id <> p_student THEN
    RETURN 'the final drive''s lesson, as corrected, is another student''s';
  END IF;
  minutes := least(l.total_minutes, floor(extract(epoch FROM l.end_time - l.start_time) / 60)::integer);
  IF minutes IS NULL OR minutes < coalesce(p_min_minutes, 0) THEN
    RETURN format('the final drive''s lesson, as it stands%s, lasted %s minutes, under the %s the final drive needs',
                  CASE WHEN l.id <> p_lesson THEN ' after its correction' ELSE '' END, coalesce(minutes::text, 'no'), p_min_minutes);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
-- Why a student's competent final drive does not count, in their transmission (NULL: it counts, or it
-- is not competent yet, which nd_certificate_missing_tasks reports).
CREATE OR REPLACE FUNCTION nd_final_drive_problem(p_student uuid, p_transmission text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT string_agg(format('task %s: %s', ct.task_number, nd_final_drive_lesson_problem(latest.lesson_id, p_student, ct.final_drive_min_minutes)), '; ' ORDER BY ct.task_number)
    FROM competency_tasks ct
    JOIN LATERAL (
      SELECT sc.status, sc.lesson_id FROM student_competencies sc
       WHERE sc.student_id = p_student AND sc.transmission = p_transmission AND sc.task_id = ct.id
       ORDER BY sc.chain_position DESC LIMIT 1) latest ON true
   WHERE ct.is_active AND ct.is_final_drive AND latest.status = 'competent'
     AND nd_final_drive_lesson_problem(latest.lesson_id, p_student, ct.final_drive_min_minutes) IS NOT NULL
$$;
--> statement-breakpoint
-- The active tasks a student is not (yet) competent in, in their transmission; the final drive counts
-- only with its lesson as it stands (nd_final_drive_lesson_problem).
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
        AND (NOT ct.is_final_drive OR nd_final_drive_lesson_problem(latest.lesson_id, p_student, ct.final_drive_min_minutes) IS NULL))
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION students_certificate_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  missing integer[];
  problem text;
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
  -- Issuing sets status 'completed': it must never lift a suspension.
  IF OLD.status = 'suspended' OR NEW.status = 'suspended' THEN
    RAISE EXCEPTION 'student % is suspended: no certificate is issued while suspended', NEW.id
      USING ERRCODE = 'ND017', TABLE = 'students', DETAIL = json_build_object('missingTasks', '{}'::integer[], 'reason', 'the student is suspended')::text;
  END IF;
  -- The student's competency lock: a competency change in flight (an overrule, say) commits first.
  PERFORM pg_advisory_xact_lock(hashtext('nexdrive.competency_chain'), hashtext(NEW.id::text));
  missing := nd_certificate_missing_tasks(NEW.id, NEW.transmission);
  IF cardinality(missing) > 0 THEN
    problem := nd_final_drive_problem(NEW.id, NEW.transmission);
    RAISE EXCEPTION 'student % is not competent in task(s) % (%)%', NEW.id, array_to_string(missing, ', '), NEW.transmission, coalesce(': ' || problem, '')
      USING ERRCODE = 'ND017', TABLE = 'students', DETAIL = json_build_object('missingTasks', missing, 'reason', problem)::text;
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
