// The pure rules of the Clerk sync (SPEC-02 section 12; issue 17 item 1): what a Clerk user event says
// about a person, and whether it is newer than what the profile has. Plain functions over plain data.
import { normalizeEmail, normalizePhone } from '../crm/rules.js';

/** The part of Clerk's user object (`event.data` of a user.* webhook) the school keeps. Clerk sends more. */
export interface ClerkUser {
  id: string;
  first_name?: string | null;
  last_name?: string | null;
  image_url?: string | null;
  primary_email_address_id?: string | null;
  primary_phone_number_id?: string | null;
  email_addresses?: { id: string; email_address: string; verification?: { status?: string | null } | null }[];
  phone_numbers?: { id: string; phone_number: string; verification?: { status?: string | null } | null }[];
  public_metadata?: Record<string, unknown> | null;
}

export interface ClerkIdentity {
  firstName: string;
  lastName: string;
  /** The primary email ('' when the user signed up by phone: profiles.email is NOT NULL in SPEC-01). */
  email: string;
  /** The primary phone in E.164, or null (none, or not a valid number). */
  phone: string | null;
  avatarUrl: string | null;
  /** The primary email and phone, only where Clerk has verified them: what may link an existing contact. */
  verifiedEmail: string | null;
  verifiedPhone: string | null;
  /** The role a new profile gets: `parent` when Clerk's metadata says so, otherwise `student`. Admins and
   *  instructors are made by linkInstructor (an admin or the CLI), never by a webhook. */
  roleForNewProfile: 'student' | 'parent';
}

const verified = (v: { verification?: { status?: string | null } | null }) => v.verification?.status === 'verified';

export function clerkIdentity(user: ClerkUser): ClerkIdentity {
  const email = user.email_addresses?.find((e) => e.id === user.primary_email_address_id) ?? user.email_addresses?.[0];
  const phone = user.phone_numbers?.find((p) => p.id === user.primary_phone_number_id) ?? user.phone_numbers?.[0];
  const e164 = phone ? normalizePhone(phone.phone_number) : null;
  return {
    firstName: user.first_name?.trim() ?? '',
    lastName: user.last_name?.trim() ?? '',
    email: email ? normalizeEmail(email.email_address) : '',
    phone: e164,
    avatarUrl: user.image_url ?? null,
    verifiedEmail: email && verified(email) ? normalizeEmail(email.email_address) : null,
    verifiedPhone: phone && verified(phone) ? e164 : null,
    roleForNewProfile: user.public_metadata?.role === 'parent' ? 'parent' : 'student',
  };
}

/**
 * Whether an event (occurredAt, eventId) is newer than the last one applied. Events are ordered by time,
 * then by id, so two events of one millisecond still have one order: whatever order they arrive in, the
 * profile ends as the newest says. A repeat of the last event is not newer: it changes nothing.
 */
export function isNewerEvent(event: { occurredAt: Date; eventId: string }, last: { at: Date | null; eventId: string | null }): boolean {
  if (last.at === null) return true;
  const t = event.occurredAt.getTime() - last.at.getTime();
  return t > 0 || (t === 0 && event.eventId > (last.eventId ?? ''));
}
