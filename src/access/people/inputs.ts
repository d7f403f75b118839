// The inputs of the people operations (issue 17): Clerk user events, enrolment, parent invitations.
import { z } from 'zod';
import { PARENT_RELATIONSHIPS, TRANSMISSIONS } from '../../db/schema/enums.js';
import { CLERK_USER_ID } from '../core/actor.js';
import { id, instant, storable, text } from '../core/validation.js';
import { emailAddress, phoneNumber } from '../crm/inputs.js';
import { permissionFlags } from './students.js';

const clerkUserId = () => z.string().regex(CLERK_USER_ID, 'a Clerk user id looks like user_2abc...');
const clerkText = (max: number) => storable(z.string().max(max, `at most ${max} characters`));
const verification = z.object({ status: clerkText(40).nullish() }).nullish();

/** Clerk's user object as its webhook sends it (`event.data`): the fields the school keeps; the rest is ignored. */
const clerkUser = z.object({
  id: clerkUserId(),
  first_name: clerkText(100).nullish(),
  last_name: clerkText(100).nullish(),
  image_url: clerkText(2000).nullish(),
  primary_email_address_id: clerkText(100).nullish(),
  primary_phone_number_id: clerkText(100).nullish(),
  email_addresses: z.array(z.object({ id: clerkText(100), email_address: clerkText(254), verification })).max(20).optional(),
  phone_numbers: z.array(z.object({ id: clerkText(100), phone_number: clerkText(40), verification })).max(20).optional(),
  public_metadata: z.record(z.string(), z.unknown()).nullish(),
});

export const syncClerkUserInput = z.strictObject({
  /** The webhook's message id (Svix's svix-id header): the same event delivered twice has the same id. */
  eventId: text(200),
  type: z.enum(['user.created', 'user.updated', 'user.deleted']),
  /** When Clerk says the event happened (svix-timestamp, or the user's updated_at). */
  occurredAt: instant(),
  /** For user.deleted Clerk sends only `{ id, deleted: true }`. */
  user: clerkUser.partial().required({ id: true }),
});
export type SyncClerkUserInput = z.input<typeof syncClerkUserInput>;

export const convertContactInput = z.strictObject({
  contactId: id(),
  /** The person's Clerk user, when the contact is not linked to one yet (students.user_id is NOT NULL). */
  userId: clerkUserId().optional(),
  transmission: z.enum(TRANSMISSIONS).optional(),
  licenceNumber: text(30).optional(),
  schoolOrWork: text(200).optional(),
});
export type ConvertContactInput = z.input<typeof convertContactInput>;

export const inviteParentInput = z
  .strictObject({
    studentId: id(),
    firstName: text(100).optional(),
    lastName: text(100).optional(),
    email: emailAddress().optional(),
    phone: phoneNumber().optional(),
    relationship: z.enum(PARENT_RELATIONSHIPS).optional(),
    permissions: permissionFlags.optional(),
    /** How long the invitation may be accepted, in days (default 7). */
    expiresInDays: z.number().int().min(1).max(30).optional(),
  })
  .refine((v) => v.email !== undefined || v.phone !== undefined, { message: 'an invitation goes to an email or a phone: give at least one', path: ['email'] });
export type InviteParentInput = z.input<typeof inviteParentInput>;

/** The token as the invitation link carries it: 43 characters of base64url (32 random bytes). */
export const acceptParentInvitationInput = z.strictObject({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not an invitation token') });
export type AcceptParentInvitationInput = z.input<typeof acceptParentInvitationInput>;

/** A link to revoke, or a pending invitation to withdraw: exactly one. */
export const revokeParentLinkInput = z.union([z.strictObject({ linkId: id() }), z.strictObject({ invitationId: id() })]);
export type RevokeParentLinkInput = z.input<typeof revokeParentLinkInput>;
