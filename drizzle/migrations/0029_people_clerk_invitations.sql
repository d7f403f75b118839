-- People (issue 17, items 1 and 4; docs/people.md), generated from src/db/schema by drizzle-kit, then
-- the rules below.
--   * profiles.clerk_synced_at, clerk_event_id   the last Clerk event applied to the profile:
--     syncClerkUser applies an event only when (occurred_at, event id) is newer, in one upsert, so a
--     replay or a late delivery changes nothing whatever the order.
--   * parent_invitations   a student's invitation to a parent who may have no account yet (a link needs a
--     parents row, which needs the parent's Clerk user): the SHA-256 of a single-use token, an expiry,
--     the permissions the link will carry.
--   * parent_invitations_guard (ND042)   an invitation is accepted or revoked once, only while pending,
--     and its student, inviter, permissions, token and expiry never change (while pending, only the
--     invitee's name, email or phone may be corrected): a used or revoked token cannot be made usable
--     again, nor an invitation pointed at another student or given more rights, through raw SQL as the
--     app role either.
-- nexdrive_app: SELECT, INSERT, UPDATE on parent_invitations (never DELETE: what was offered is kept).
CREATE TABLE "parent_invitations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"student_id" uuid NOT NULL,
	"invited_by" text NOT NULL,
	"first_name" text,
	"last_name" text,
	"email" text,
	"phone" text,
	"relationship" text DEFAULT 'parent' NOT NULL,
	"can_view_progress" boolean DEFAULT true NOT NULL,
	"can_view_bookings" boolean DEFAULT true NOT NULL,
	"can_view_payments" boolean DEFAULT true NOT NULL,
	"can_view_lesson_notes" boolean DEFAULT true NOT NULL,
	"can_view_bridge_forms" boolean DEFAULT true NOT NULL,
	"can_book_lessons" boolean DEFAULT true NOT NULL,
	"token_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"accepted_by" text,
	"accepted_at" timestamp with time zone,
	"link_id" uuid,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "parent_invitations_token_hash_unique" UNIQUE("token_hash"),
	CONSTRAINT "parent_invitations_relationship_check" CHECK (relationship IN ('parent', 'guardian', 'supervisor', 'other')),
	CONSTRAINT "parent_invitations_status_check" CHECK (status IN ('pending', 'accepted', 'revoked')),
	CONSTRAINT "parent_invitations_address_check" CHECK (email IS NOT NULL OR phone IS NOT NULL),
	CONSTRAINT "parent_invitations_phone_e164_check" CHECK (phone IS NULL OR phone ~ '^\+[1-9][0-9]{6,14}$'),
	CONSTRAINT "parent_invitations_token_hash_check" CHECK (token_hash ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "parent_invitations_accepted_check" CHECK ((status = 'accepted') = (accepted_by IS NOT NULL) AND (status = 'accepted') = (accepted_at IS NOT NULL) AND (status = 'accepted') = (link_id IS NOT NULL)),
	CONSTRAINT "parent_invitations_revoked_check" CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
--> statement-breakpoint
ALTER TABLE "profiles" ADD COLUMN "clerk_synced_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "profiles" ADD COLUMN "clerk_event_id" text;--> statement-breakpoint
ALTER TABLE "parent_invitations" ADD CONSTRAINT "parent_invitations_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parent_invitations" ADD CONSTRAINT "parent_invitations_link_id_parent_student_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."parent_student_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_parent_invitations_student_id" ON "parent_invitations" USING btree ("student_id");--> statement-breakpoint
CREATE TRIGGER set_updated_at_parent_invitations BEFORE UPDATE ON parent_invitations FOR EACH ROW EXECUTE FUNCTION update_updated_at();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION parent_invitations_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF OLD.status <> 'pending' THEN
    RAISE EXCEPTION 'parent invitation % is % and cannot change', OLD.id, OLD.status
      USING ERRCODE = 'ND042', TABLE = 'parent_invitations';
  END IF;
  IF (NEW.student_id, NEW.invited_by, NEW.relationship,
      NEW.can_view_progress, NEW.can_view_bookings, NEW.can_view_payments, NEW.can_view_lesson_notes,
      NEW.can_view_bridge_forms, NEW.can_book_lessons, NEW.token_hash, NEW.expires_at, NEW.created_at)
     IS DISTINCT FROM
     (OLD.student_id, OLD.invited_by, OLD.relationship,
      OLD.can_view_progress, OLD.can_view_bookings, OLD.can_view_payments, OLD.can_view_lesson_notes,
      OLD.can_view_bridge_forms, OLD.can_book_lessons, OLD.token_hash, OLD.expires_at, OLD.created_at) THEN
    RAISE EXCEPTION 'parent invitation %: its student, inviter, permissions, token and expiry never change', OLD.id
      USING ERRCODE = 'ND042', TABLE = 'parent_invitations';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER parent_invitations_guard BEFORE UPDATE ON parent_invitations FOR EACH ROW EXECUTE FUNCTION parent_invitations_guard();
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON parent_invitations TO nexdrive_app;
