-- Contacts as the CRM keeps them (issue 17; SPEC-05), whatever writes the row. Before this, raw SQL
-- (and a check-then-insert in the application) could make two contacts for one person, move a contact's
-- lifecycle backwards, and overwrite where a contact first came from.
--   * contacts_phone_e164_check     a phone is stored in E.164 (+61412345678): one spelling per number,
--                                   so equality is identity (the access layer normalises with
--                                   libphonenumber-js; raw SQL cannot store '0412 345 678').
--   * contacts_phone_live_unique,   one live contact (deleted_at IS NULL) per phone and per email,
--     contacts_email_live_unique    emails compared case-insensitively: concurrent find-or-create calls
--                                   for one person make one contact (INSERT ... ON CONFLICT), not two.
--   * contacts_crm_guard            the lifecycle state machine of SPEC-05 section 1.2: prospect -> lead |
--                                   lost; lead -> qualified | lost; qualified -> enrolled | lost; enrolled
--                                   -> active; active -> completed; completed -> alumni; lost -> prospect
--                                   (the one move back). alumni is final. Anything else: ND040
--                                   (INVALID_TRANSITION; the same table is LIFECYCLE_TRANSITIONS in
--                                   src/access/crm/rules.ts and a test compares the two). The first touch
--                                   (source, source_detail, utm_source, utm_medium, utm_campaign,
--                                   first_contact_at) never changes once set: ND041 (CONTACT_FIRST_TOUCH_FROZEN).
-- Contacts are never deleted: nexdrive_app has no DELETE on contacts (migration 0014); deleteContact sets
-- deleted_at.
ALTER TABLE contacts ADD CONSTRAINT contacts_phone_e164_check CHECK (phone IS NULL OR phone ~ '^\+[1-9][0-9]{6,14}$');
--> statement-breakpoint
CREATE UNIQUE INDEX contacts_phone_live_unique ON contacts (phone) WHERE deleted_at IS NULL AND phone IS NOT NULL;
--> statement-breakpoint
CREATE UNIQUE INDEX contacts_email_live_unique ON contacts (lower(email)) WHERE deleted_at IS NULL AND email IS NOT NULL;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION contacts_crm_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  allowed text[];
BEGIN
  IF NEW.lifecycle_stage IS DISTINCT FROM OLD.lifecycle_stage THEN
    allowed := CASE OLD.lifecycle_stage
      WHEN 'prospect' THEN ARRAY['lead', 'lost']
      WHEN 'lead' THEN ARRAY['qualified', 'lost']
      WHEN 'qualified' THEN ARRAY['enrolled', 'lost']
      WHEN 'enrolled' THEN ARRAY['active']
      WHEN 'active' THEN ARRAY['completed']
      WHEN 'completed' THEN ARRAY['alumni']
      WHEN 'lost' THEN ARRAY['prospect']
      ELSE ARRAY[]::text[]
    END;
    IF NOT (NEW.lifecycle_stage = ANY (allowed)) THEN
      RAISE EXCEPTION 'contact %: % -> % is not a lifecycle move', OLD.id, OLD.lifecycle_stage, NEW.lifecycle_stage
        USING ERRCODE = 'ND040', TABLE = 'contacts',
              DETAIL = json_build_object('from', OLD.lifecycle_stage, 'to', NEW.lifecycle_stage)::text;
    END IF;
  END IF;
  IF (OLD.source IS NOT NULL AND NEW.source IS DISTINCT FROM OLD.source)
     OR (OLD.source_detail IS NOT NULL AND NEW.source_detail IS DISTINCT FROM OLD.source_detail)
     OR (OLD.utm_source IS NOT NULL AND NEW.utm_source IS DISTINCT FROM OLD.utm_source)
     OR (OLD.utm_medium IS NOT NULL AND NEW.utm_medium IS DISTINCT FROM OLD.utm_medium)
     OR (OLD.utm_campaign IS NOT NULL AND NEW.utm_campaign IS DISTINCT FROM OLD.utm_campaign)
     OR NEW.first_contact_at IS DISTINCT FROM OLD.first_contact_at THEN
    RAISE EXCEPTION 'contact %: where a contact first came from (source, UTM fields, first_contact_at) never changes once set', OLD.id
      USING ERRCODE = 'ND041', TABLE = 'contacts';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER contacts_crm_guard BEFORE UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION contacts_crm_guard();
