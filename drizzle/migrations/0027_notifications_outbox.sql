-- The outbox (issue 18, SPEC-07; docs/notifications.md): generated from src/db/schema by drizzle-kit.
-- notification_preferences (SPEC-07 section 3.2, plus a number's own SMS opt-out); on notifications the
-- columns a safe outbox needs (idempotency key, SMS segments, next attempt, attempts, lease) and the
-- statuses sending and skipped; one row per idempotency key and per provider id of a channel; one open
-- conversation per SMS contact and per web-chat session; one message per provider message id; one call
-- log per provider call id. The status moves are migration 0028's.
CREATE TABLE "notification_preferences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text,
	"phone" text,
	"notification_type" text NOT NULL,
	"channel" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_notif_pref" UNIQUE("user_id","notification_type","channel"),
	CONSTRAINT "notification_preferences_channel_check" CHECK (channel IN ('email', 'sms', 'push')),
	CONSTRAINT "notification_preferences_notification_type_check" CHECK (notification_type IN ('booking_confirmation', 'booking_reminder_24h', 'booking_reminder_2h', 'booking_cancelled', 'booking_rescheduled', 'lesson_completed', 'bridge_form_ready', 'payment_received', 'payment_failed', 'package_purchased', 'package_low_credits', 'parent_invitation', 'callback_scheduled', 'competency_achieved', 'certificate_ready', 'waitlist_available', 'handoff_sms_conversation', 'all')),
	CONSTRAINT "notification_preferences_owner_check" CHECK ((user_id IS NULL) <> (phone IS NULL)),
	CONSTRAINT "notification_preferences_phone_check" CHECK (phone IS NULL OR (phone ~ '^\+[1-9][0-9]{6,14}$' AND channel = 'sms' AND notification_type = 'all')),
	CONSTRAINT "notification_preferences_all_check" CHECK (notification_type <> 'all' OR phone IS NOT NULL)
);
--> statement-breakpoint
ALTER TABLE "notifications" DROP CONSTRAINT "notifications_status_check";--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "segments" integer;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "claim_token" uuid;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "claimed_by" text;--> statement-breakpoint
CREATE INDEX "idx_notif_pref_user" ON "notification_preferences" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "notification_preferences_phone_unique" ON "notification_preferences" USING btree ("phone","notification_type","channel");--> statement-breakpoint
CREATE UNIQUE INDEX "call_logs_external_call_unique" ON "call_logs" USING btree ("voice_provider","external_call_id");--> statement-breakpoint
CREATE UNIQUE INDEX "conversations_open_sms_contact_unique" ON "conversations" USING btree ("contact_id") WHERE channel = 'sms' AND status <> 'closed';--> statement-breakpoint
CREATE UNIQUE INDEX "conversations_open_web_chat_session_unique" ON "conversations" USING btree ("channel_identifier") WHERE channel = 'web_chat' AND status <> 'closed';--> statement-breakpoint
CREATE UNIQUE INDEX "messages_external_id_unique" ON "messages" USING btree ("external_id");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_idempotency_key_unique" ON "notifications" USING btree ("idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_channel_external_id_unique" ON "notifications" USING btree ("channel","external_id");--> statement-breakpoint
CREATE INDEX "notifications_due_idx" ON "notifications" USING btree ("next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "notifications_lease_idx" ON "notifications" USING btree ("lease_expires_at") WHERE status = 'sending';--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_segments_check" CHECK (segments IS NULL OR (channel = 'sms' AND segments >= 1));--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_attempts_check" CHECK (attempts >= 0);--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_lease_check" CHECK ((status = 'sending') = (lease_expires_at IS NOT NULL AND claim_token IS NOT NULL));--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_sent_check" CHECK (status NOT IN ('sent', 'delivered', 'bounced') OR (external_id IS NOT NULL AND sent_at IS NOT NULL));--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_delivered_check" CHECK (status <> 'delivered' OR delivered_at IS NOT NULL);--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_status_check" CHECK (status IN ('pending', 'sending', 'sent', 'delivered', 'failed', 'bounced', 'skipped'));