-- Append-only compliance records (spec key rule 6, which the spec never enforced: design.md defect 5).
-- audit_log, signatures and student_competencies accept INSERT only: every UPDATE, DELETE and
-- TRUNCATE is rejected with SQLSTATE ND001, which the TypeScript layer maps to APPEND_ONLY_VIOLATION.
-- A correction is always a new row. Only a superuser who disables triggers can get past this, and
-- then `npm run db:verify` finds what changed.
--
-- messages and call_logs are log-style: their rows are never deleted, and an UPDATE may touch only the
-- columns that legitimately arrive later (delivery receipts; the end, outcome and transcript of a
-- call). nd_log_update_guard takes two trigger arguments: the columns that may change freely, and the
-- columns that may be filled once (NULL -> value) and never changed after. Every other column is frozen.
CREATE OR REPLACE FUNCTION nd_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'ND001',
          HINT = 'Compliance records are never changed or removed; record a new row instead (corrections reference the original).',
          TABLE = TG_TABLE_NAME;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION nd_log_update_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  free_columns text[] := string_to_array(TG_ARGV[0], ',');
  set_once_columns text[] := string_to_array(TG_ARGV[1], ',');
  old_row jsonb := to_jsonb(OLD);
  new_row jsonb := to_jsonb(NEW);
  frozen_changed text;
  refilled text;
BEGIN
  SELECT string_agg(n.key, ', ' ORDER BY n.key) INTO frozen_changed
    FROM jsonb_each(new_row - free_columns - set_once_columns) n
   WHERE n.value IS DISTINCT FROM old_row -> n.key;
  IF frozen_changed IS NOT NULL THEN
    RAISE EXCEPTION '% is log-style: column(s) % cannot change', TG_TABLE_NAME, frozen_changed
      USING ERRCODE = 'ND001', TABLE = TG_TABLE_NAME,
            HINT = format('Only %s may be updated, and %s filled once.', TG_ARGV[0], TG_ARGV[1]);
  END IF;
  SELECT string_agg(c, ', ' ORDER BY c) INTO refilled
    FROM unnest(set_once_columns) c
   WHERE old_row ->> c IS NOT NULL AND new_row -> c IS DISTINCT FROM old_row -> c;
  IF refilled IS NOT NULL THEN
    RAISE EXCEPTION '% is log-style: column(s) % are already set and cannot change', TG_TABLE_NAME, refilled
      USING ERRCODE = 'ND001', TABLE = TG_TABLE_NAME;
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION nd_reject_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION nd_reject_change();
--> statement-breakpoint
CREATE TRIGGER signatures_append_only BEFORE UPDATE OR DELETE ON signatures
  FOR EACH ROW EXECUTE FUNCTION nd_reject_change();
--> statement-breakpoint
CREATE TRIGGER signatures_append_only_truncate BEFORE TRUNCATE ON signatures
  FOR EACH STATEMENT EXECUTE FUNCTION nd_reject_change();
--> statement-breakpoint
CREATE TRIGGER student_competencies_append_only BEFORE UPDATE OR DELETE ON student_competencies
  FOR EACH ROW EXECUTE FUNCTION nd_reject_change();
--> statement-breakpoint
CREATE TRIGGER student_competencies_append_only_truncate BEFORE TRUNCATE ON student_competencies
  FOR EACH STATEMENT EXECUTE FUNCTION nd_reject_change();
--> statement-breakpoint
CREATE TRIGGER messages_append_only BEFORE DELETE ON messages
  FOR EACH ROW EXECUTE FUNCTION nd_reject_change();
--> statement-breakpoint
CREATE TRIGGER messages_append_only_truncate BEFORE TRUNCATE ON messages
  FOR EACH STATEMENT EXECUTE FUNCTION nd_reject_change();
--> statement-breakpoint
-- A message's text, sender and time are the record; delivery receipts arrive after the insert.
CREATE TRIGGER messages_log_update_guard BEFORE UPDATE ON messages
  FOR EACH ROW EXECUTE FUNCTION nd_log_update_guard('delivery_status', 'external_id');
--> statement-breakpoint
CREATE TRIGGER call_logs_append_only BEFORE DELETE ON call_logs
  FOR EACH ROW EXECUTE FUNCTION nd_reject_change();
--> statement-breakpoint
CREATE TRIGGER call_logs_append_only_truncate BEFORE TRUNCATE ON call_logs
  FOR EACH STATEMENT EXECUTE FUNCTION nd_reject_change();
--> statement-breakpoint
-- A call is logged when it starts; its end, outcome and transcript arrive later, and the callback
-- workflow and contact matching go on after that. Who called, when and how stay as first written.
CREATE TRIGGER call_logs_log_update_guard BEFORE UPDATE ON call_logs
  FOR EACH ROW EXECUTE FUNCTION nd_log_update_guard(
    'contact_id,conversation_id,outcome,resolution,summary,caller_name,caller_reason,requires_callback,callback_scheduled_at,callback_completed_at',
    'ended_at,duration_seconds,transcript,external_call_id');
