-- Records that are kept (issue 6). Payments could be deleted or have their amount changed after they
-- were taken, and renumbering a competency task (or changing its prerequisites) silently changed the
-- meaning of every competency row that refers to it, while verify still passed (the chains hash
-- task_id, not the task's number).
--   payments              never deleted (ND001); once completed (or refunded, partially refunded,
--                         disputed) the amount, currency, payer, what was paid for, the voucher,
--                         discount and gateway payment never change; an invoice number once given never
--                         changes; a refund once recorded is never undone (ND004). Refunds are recorded
--                         in their own columns; the status moves only forward (migration 0021).
--   competency_tasks      task_number never changes (lessons name tasks by number, in competencies_taught
--                         and the other arrays); prerequisites, review_requires_tasks, is_review,
--                         is_final_drive and the final-drive rules never change once a competency row
--                         refers to the task (ND004). Names and descriptions may still be edited.
-- ND004 is RECORD_FROZEN in TypeScript.
CREATE OR REPLACE FUNCTION payments_keep_record() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  changed text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'payments are never deleted (payment %); record a refund or mark it failed', OLD.id
      USING ERRCODE = 'ND001', TABLE = 'payments';
  END IF;
  IF OLD.invoice_number IS NOT NULL AND NEW.invoice_number IS DISTINCT FROM OLD.invoice_number THEN
    RAISE EXCEPTION 'payment % has invoice number %: it never changes', OLD.id, OLD.invoice_number
      USING ERRCODE = 'ND004', TABLE = 'payments';
  END IF;
  -- A refund is never undone: the amount refunded only grows, and its reason and time stay.
  IF coalesce(NEW.refund_amount_cents, 0) < coalesce(OLD.refund_amount_cents, 0)
     OR (OLD.refund_reason IS NOT NULL AND NEW.refund_reason IS NULL)
     OR (OLD.refunded_at IS NOT NULL AND NEW.refunded_at IS NULL) THEN
    RAISE EXCEPTION 'payment %: a recorded refund (% cents) is never undone', OLD.id, OLD.refund_amount_cents
      USING ERRCODE = 'ND004', TABLE = 'payments';
  END IF;
  -- The money columns of migration 0020 (voucher_id, discount_cents, student_package_id) are listed
  -- by name: before they exist both sides read NULL, so they compare equal.
  IF OLD.status IN ('completed', 'refunded', 'partially_refunded', 'disputed') THEN
    SELECT string_agg(c, ', ' ORDER BY c) INTO changed
      FROM unnest(ARRAY['amount_cents', 'currency', 'student_id', 'contact_id', 'booking_id', 'package_id', 'payment_method',
                        'voucher_id', 'discount_cents', 'student_package_id', 'gateway', 'gateway_payment_id']) c
     WHERE to_jsonb(NEW) -> c IS DISTINCT FROM to_jsonb(OLD) -> c;
    IF changed IS NOT NULL THEN
      RAISE EXCEPTION 'payment % is %: % never change (refunds are recorded in refund_amount_cents)', OLD.id, OLD.status, changed
        USING ERRCODE = 'ND004', TABLE = 'payments';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER payments_keep_record BEFORE UPDATE OR DELETE ON payments
  FOR EACH ROW EXECUTE FUNCTION payments_keep_record();
--> statement-breakpoint
CREATE TRIGGER payments_no_truncate BEFORE TRUNCATE ON payments
  FOR EACH STATEMENT EXECUTE FUNCTION nd_reject_change();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION competency_tasks_keep_meaning() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  changed text;
BEGIN
  IF NEW.task_number IS DISTINCT FROM OLD.task_number THEN
    RAISE EXCEPTION 'task % keeps its number: lessons and competency records name it', OLD.task_number
      USING ERRCODE = 'ND004', TABLE = 'competency_tasks';
  END IF;
  SELECT string_agg(c, ', ' ORDER BY c) INTO changed
    FROM unnest(ARRAY['id', 'prerequisites', 'review_requires_tasks', 'is_review', 'is_final_drive',
                      'final_drive_min_minutes', 'final_drive_unfamiliar_roads']) c
   WHERE to_jsonb(NEW) -> c IS DISTINCT FROM to_jsonb(OLD) -> c;
  IF changed IS NOT NULL AND EXISTS (SELECT 1 FROM student_competencies WHERE task_id = OLD.id) THEN
    RAISE EXCEPTION 'task % is referred to by competency records: % can no longer change', OLD.task_number, changed
      USING ERRCODE = 'ND004', TABLE = 'competency_tasks';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER competency_tasks_keep_meaning BEFORE UPDATE ON competency_tasks
  FOR EACH ROW EXECUTE FUNCTION competency_tasks_keep_meaning();
