// The CRM's pure rules (SPEC-05): how a phone number and an email are normalised so that one person is
// one contact, and the lifecycle state machine. Plain functions over plain data; the database holds
// the same rules (migration 0024: the E.164 CHECK, the unique indexes, contacts_crm_guard).
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { LIFECYCLE_STAGES } from '../../db/schema/enums.js';

export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** The region a number without a country code is read in: the school is in Canberra. */
export const DEFAULT_PHONE_REGION = 'AU';

/**
 * A phone number in E.164 (+61412345678), or null when it is not a valid number. `0412 345 678`,
 * `+61 412 345 678` and `(04) 1234 5678` are the same number. libphonenumber-js knows each country's
 * number plan; a hand-written pattern would accept numbers that cannot exist.
 */
export function normalizePhone(raw: string): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), DEFAULT_PHONE_REGION);
  return parsed && parsed.isValid() ? parsed.number : null;
}

/** An email as stored: trimmed. Emails compare case-insensitively (the database's unique index is on lower(email)). */
export function normalizeEmail(raw: string): string {
  return raw.trim();
}

/**
 * SPEC-05 section 1.2: the moves a contact's lifecycle may make. The only move back is lost -> prospect
 * (a contact re-engaged); alumni is final. contacts_crm_guard (migration 0024) holds the same table.
 */
export const LIFECYCLE_TRANSITIONS: Readonly<Record<LifecycleStage, readonly LifecycleStage[]>> = {
  prospect: ['lead', 'lost'],
  lead: ['qualified', 'lost'],
  qualified: ['enrolled', 'lost'],
  enrolled: ['active'],
  active: ['completed'],
  completed: ['alumni'],
  alumni: [],
  lost: ['prospect'],
};

export function canMoveLifecycle(from: LifecycleStage, to: LifecycleStage): boolean {
  return LIFECYCLE_TRANSITIONS[from].includes(to);
}
