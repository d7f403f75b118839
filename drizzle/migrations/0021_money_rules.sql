-- Money rules the database keeps whatever writes the row (issue 10, docs/money.md). SPEC-01 only says
-- invoice numbers are "auto-generated: NXD-2026-0001"; the NexDrive payments spec takes one when checkout
-- starts (a failed payment leaves a gap) and from the server's UTC year (the first hours of 1 January in
-- Canberra would be numbered in the old year). Here:
--   next_invoice_number(at)   the next number of the Australia/Canberra year of `at`: under a transaction
--                             advisory lock for that year, the highest NNNN of the year (as a number,
--                             read from payments_invoice_number_order) + 1. Called in the completing
--                             transaction, so a rollback leaves no gap and a second completer waits,
--                             then sees the first one's number. It needs READ
--                             COMMITTED (the default): under REPEATABLE READ a stale snapshot gives a
--                             number already taken, refused by payments_invoice_number_unique.
--   payments_money_rules      BEFORE INSERT OR UPDATE on payments:
--                             - status moves only pending -> processing | completed | failed;
--                               processing -> completed | failed; completed -> partially_refunded |
--                               refunded | disputed; partially_refunded -> refunded | disputed;
--                               disputed -> completed | partially_refunded | refunded. failed and refunded
--                               are final (ND031);
--                             - the database assigns invoice numbers: a payment that is (or becomes)
--                               completed, refunded, partially refunded or disputed gets the next number
--                               of the year of that moment, once; a credit redemption ('package_credit',
--                               no money taken) gets none; a number chosen by a caller, or on a payment
--                               that has not completed, is refused (ND030). Once given, a number never
--                               changes (payments_keep_record, 0013).
--   payments_keep_record      (0013) once completed, a payment's voucher, discount, credit package and
--                             gateway payment never change either, and a refund is never undone.
-- Each function runs with search_path = pg_catalog, public, pg_temp, so a temporary table called
-- `payments` cannot stand in for ours (pg_temp is otherwise searched first for tables).
-- ND030 is INVOICE_NUMBER_REFUSED and ND031 INVALID_TRANSITION in TypeScript (src/db/errors.ts).
CREATE OR REPLACE FUNCTION next_invoice_number(p_at timestamptz) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  invoice_year integer := extract(year FROM p_at AT TIME ZONE 'Australia/Canberra')::integer;
  prefix text := 'NXD-' || lpad(invoice_year::text, 4, '0') || '-';
  next_number bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('payments.invoice_number'), invoice_year);
  -- The year's highest number, in one probe of payments_invoice_number_order (NNNN zero-padded to
  -- 10 digits, byte order): numbers are compared as numbers, so NXD-2026-10000 follows NXD-2026-9999.
  SELECT coalesce((
    SELECT substr(invoice_number, 10)::bigint
      FROM payments
     WHERE invoice_number IS NOT NULL
       AND ((left(invoice_number, 9) || lpad(substr(invoice_number, 10), 10, '0')) COLLATE "C") >= prefix
       AND ((left(invoice_number, 9) || lpad(substr(invoice_number, 10), 10, '0')) COLLATE "C") < (left(prefix, -1) || '.')
     ORDER BY ((left(invoice_number, 9) || lpad(substr(invoice_number, 10), 10, '0')) COLLATE "C") DESC
     LIMIT 1), 0) + 1 INTO next_number;
  RETURN prefix || lpad(next_number::text, greatest(4, length(next_number::text)), '0');
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION payments_money_rules() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
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
  IF TG_OP = 'UPDATE' AND OLD.invoice_number IS NOT NULL THEN
    RETURN NEW; -- a given number never changes: payments_keep_record (0013) refuses that
  END IF;
  IF NEW.invoice_number IS NOT NULL THEN
    RAISE EXCEPTION 'payment %: invoice numbers are given by the database when a payment completes, not by the caller (%)', NEW.id, NEW.invoice_number
      USING ERRCODE = 'ND030', TABLE = 'payments';
  END IF;
  IF NEW.status IN ('completed', 'partially_refunded', 'refunded', 'disputed') AND NEW.payment_method <> 'package_credit' THEN
    NEW.invoice_number := next_invoice_number(clock_timestamp());
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER payments_money_rules BEFORE INSERT OR UPDATE ON payments
  FOR EACH ROW EXECUTE FUNCTION payments_money_rules();
