-- The outbox and the conversations hold their own rules, whatever writes the row (issue 18;
-- docs/notifications.md). Before this, raw SQL (and SPEC-07's check-then-insert crons) could send one
-- reminder twice, bring a delivered notification back to sent, rewrite what was sent, and reopen a
-- closed conversation.
--   * notifications_lifecycle_guard   a notification is written pending (or skipped, never to be
--                                     sent) with no send recorded, and its status moves only along
--                                       pending -> sending                   (a worker's claim)
--                                       sending -> sending                   (a claim after the lease ran out)
--                                       sending -> pending                   (a retry, later)
--                                       sending -> sent | failed
--                                       sent    -> delivered | failed | bounced
--                                     delivered, failed, bounced and skipped are final: ND050
--                                     (INVALID_TRANSITION; the same table is NOTIFICATION_TRANSITIONS in
--                                     src/access/notifications/rules.ts, and a test compares the two).
--                                     Each claim counts one attempt, with a new claim token; nothing else
--                                     changes attempts (ND050). sent_at is the database's clock when the
--                                     row becomes sent. What was sent (recipient, channel, type, subject,
--                                     body, segments, idempotency key, who triggered it) never changes,
--                                     nor a provider id once recorded: ND051 (RECORD_FROZEN).
--   * conversations_lifecycle_guard   a conversation starts active; active -> handoff_requested |
--                                     closed, handoff_requested -> active | closed; closed is final
--                                     (ND052, INVALID_TRANSITION). Its channel, identifier and start never
--                                     change, its contact and user only from none; its message count
--                                     never falls and its last message time never goes back (ND053,
--                                     RECORD_FROZEN).
-- notification_preferences gets updated_at kept by the database, and nexdrive_app the rights the access
-- layer needs on it (read, insert, update; never delete: an opt-out is kept, turned back on by a row
-- update).
CREATE OR REPLACE FUNCTION notifications_lifecycle_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status NOT IN ('pending', 'skipped') OR NEW.attempts <> 0 OR NEW.external_id IS NOT NULL
       OR NEW.sent_at IS NOT NULL OR NEW.delivered_at IS NOT NULL THEN
      RAISE EXCEPTION 'notification %: a notification is written pending (or skipped), with no send recorded', NEW.id
        USING ERRCODE = 'ND050', TABLE = 'notifications',
              DETAIL = json_build_object('from', null, 'to', NEW.status)::text;
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.recipient_id IS DISTINCT FROM OLD.recipient_id OR NEW.recipient_contact_id IS DISTINCT FROM OLD.recipient_contact_id
     OR NEW.recipient_phone IS DISTINCT FROM OLD.recipient_phone OR NEW.recipient_email IS DISTINCT FROM OLD.recipient_email
     OR NEW.channel IS DISTINCT FROM OLD.channel OR NEW.notification_type IS DISTINCT FROM OLD.notification_type
     OR NEW.subject IS DISTINCT FROM OLD.subject OR NEW.body IS DISTINCT FROM OLD.body
     OR NEW.segments IS DISTINCT FROM OLD.segments OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key
     OR NEW.triggered_by IS DISTINCT FROM OLD.triggered_by OR NEW.related_id IS DISTINCT FROM OLD.related_id
     OR NEW.created_at IS DISTINCT FROM OLD.created_at
     OR (OLD.external_id IS NOT NULL AND NEW.external_id IS DISTINCT FROM OLD.external_id)
     OR (OLD.sent_at IS NOT NULL AND NEW.sent_at IS DISTINCT FROM OLD.sent_at) THEN
    RAISE EXCEPTION 'notification %: what was sent, to whom, and the provider''s id never change', OLD.id
      USING ERRCODE = 'ND051', TABLE = 'notifications';
  END IF;
  IF OLD.status IN ('delivered', 'failed', 'bounced', 'skipped') THEN
    RAISE EXCEPTION 'notification % is %, which is final', OLD.id, OLD.status
      USING ERRCODE = 'ND050', TABLE = 'notifications',
            DETAIL = json_build_object('from', OLD.status, 'to', NEW.status)::text;
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'pending' AND NEW.status = 'sending')
    OR (OLD.status = 'sending' AND NEW.status IN ('pending', 'sent', 'failed'))
    OR (OLD.status = 'sent' AND NEW.status IN ('delivered', 'failed', 'bounced'))) THEN
    RAISE EXCEPTION 'notification % is %; it cannot become %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'ND050', TABLE = 'notifications',
            DETAIL = json_build_object('from', OLD.status, 'to', NEW.status)::text;
  END IF;
  -- a claim: a new claim token and one more attempt; nothing else moves the count
  IF NEW.status = 'sending' AND (OLD.status <> 'sending' OR NEW.claim_token IS DISTINCT FROM OLD.claim_token) THEN
    IF NEW.attempts <> OLD.attempts + 1 OR NEW.claim_token IS NOT DISTINCT FROM OLD.claim_token THEN
      RAISE EXCEPTION 'notification %: a claim takes a new claim token and counts one attempt', OLD.id
        USING ERRCODE = 'ND050', TABLE = 'notifications',
              DETAIL = json_build_object('from', OLD.status, 'to', NEW.status)::text;
    END IF;
  ELSIF NEW.attempts <> OLD.attempts THEN
    RAISE EXCEPTION 'notification %: only a claim counts an attempt', OLD.id
      USING ERRCODE = 'ND050', TABLE = 'notifications',
            DETAIL = json_build_object('from', OLD.status, 'to', NEW.status)::text;
  END IF;
  IF NEW.status = 'sent' AND OLD.status <> 'sent' THEN
    NEW.sent_at := now();
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER notifications_lifecycle_guard BEFORE INSERT OR UPDATE ON notifications
  FOR EACH ROW EXECUTE FUNCTION notifications_lifecycle_guard();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION conversations_lifecycle_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'active' THEN
      RAISE EXCEPTION 'conversation %: a conversation starts active', NEW.id
        USING ERRCODE = 'ND052', TABLE = 'conversations',
              DETAIL = json_build_object('from', null, 'to', NEW.status)::text;
    END IF;
    RETURN NEW;
  END IF;
  IF OLD.status = 'closed' THEN
    RAISE EXCEPTION 'conversation % is closed, which is final', OLD.id
      USING ERRCODE = 'ND052', TABLE = 'conversations',
            DETAIL = json_build_object('from', OLD.status, 'to', NEW.status)::text;
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'active' AND NEW.status IN ('handoff_requested', 'closed'))
    OR (OLD.status = 'handoff_requested' AND NEW.status IN ('active', 'closed'))) THEN
    RAISE EXCEPTION 'conversation % is %; it cannot become %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'ND052', TABLE = 'conversations',
            DETAIL = json_build_object('from', OLD.status, 'to', NEW.status)::text;
  END IF;
  IF NEW.channel IS DISTINCT FROM OLD.channel OR NEW.channel_identifier IS DISTINCT FROM OLD.channel_identifier
     OR NEW.started_at IS DISTINCT FROM OLD.started_at OR NEW.created_at IS DISTINCT FROM OLD.created_at
     OR (OLD.contact_id IS NOT NULL AND NEW.contact_id IS DISTINCT FROM OLD.contact_id)
     OR (OLD.user_id IS NOT NULL AND NEW.user_id IS DISTINCT FROM OLD.user_id)
     OR NEW.message_count < OLD.message_count OR NEW.last_message_at < OLD.last_message_at THEN
    RAISE EXCEPTION 'conversation %: its channel, identifier, start and people never change, nor does its history shrink', OLD.id
      USING ERRCODE = 'ND053', TABLE = 'conversations';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER conversations_lifecycle_guard BEFORE INSERT OR UPDATE ON conversations
  FOR EACH ROW EXECUTE FUNCTION conversations_lifecycle_guard();
--> statement-breakpoint
CREATE TRIGGER set_updated_at_notification_preferences BEFORE UPDATE ON notification_preferences
  FOR EACH ROW EXECUTE FUNCTION update_updated_at();
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON notification_preferences TO nexdrive_app;
