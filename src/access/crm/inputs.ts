// The inputs of the CRM operations: contact fields trimmed and bounded, a phone that libphonenumber-js
// reads as a valid number (stored in E.164), an email, and the first-touch fields of SPEC-05.
import { z } from 'zod';
import { LIFECYCLE_STAGES } from '../../db/schema/enums.js';
import { id, text } from '../core/validation.js';
import { normalizeEmail, normalizePhone } from './rules.js';

/** A phone number as people write it (0412 345 678, +61 412 345 678), given back in E.164. */
export const phoneNumber = () =>
  text(40).transform((raw, ctx) => {
    const e164 = normalizePhone(raw);
    if (e164 === null) {
      ctx.addIssue({ code: 'custom', message: 'not a valid phone number (e.g. 0412 345 678 or +61 412 345 678)' });
      return z.NEVER;
    }
    return e164;
  });

export const emailAddress = () => z.email('expected an email address').max(254).transform(normalizeEmail);

/** Where a contact first came from (never overwritten once set). */
const firstTouch = {
  source: text(50).optional(),
  sourceDetail: text(200).optional(),
  utmSource: text(100).optional(),
  utmMedium: text(100).optional(),
  utmCampaign: text(100).optional(),
};

const person = {
  firstName: text(100).optional(),
  lastName: text(100).optional(),
  phone: phoneNumber().optional(),
  email: emailAddress().optional(),
};

const needsPhoneOrEmail = (v: { phone?: string; email?: string }) => v.phone !== undefined || v.email !== undefined;
const PHONE_OR_EMAIL = { message: 'a contact is identified by a phone or an email: give at least one', path: ['phone'] };

export const createContactInput = z
  .strictObject({ ...person, ...firstTouch, instructorId: id().optional(), lifecycleStage: z.enum(LIFECYCLE_STAGES).optional(), notes: text(2000).optional() })
  .refine(needsPhoneOrEmail, PHONE_OR_EMAIL);

export const findOrCreateContactInput = z.strictObject({ ...person, ...firstTouch, instructorId: id().optional() }).refine(needsPhoneOrEmail, PHONE_OR_EMAIL);

export const updateContactInput = z.strictObject({
  contactId: id(),
  firstName: text(100).nullable().optional(),
  lastName: text(100).nullable().optional(),
  phone: phoneNumber().nullable().optional(),
  email: emailAddress().nullable().optional(),
  instructorId: id().nullable().optional(),
  notes: text(2000).nullable().optional(),
  ...firstTouch,
});

export const setLifecycleStageInput = z.strictObject({ contactId: id(), stage: z.enum(LIFECYCLE_STAGES), reason: text(500).optional() });

export const recordInteractionInput = z.strictObject({
  contactId: id(),
  channel: z.enum(['phone', 'sms', 'email', 'web_chat', 'voice', 'in_person', 'website']),
  summary: text(500).optional(),
});

export const contactInput = z.strictObject({ contactId: id() });

export const listContactsInput = z.strictObject({
  /** Matches a name (any part), a phone (as people write it) or an email (case-insensitive). */
  search: text(100).optional(),
  lifecycleStage: z.enum(LIFECYCLE_STAGES).optional(),
  limit: z.int().min(1).max(200).default(50),
  offset: z.int().min(0).max(100_000).default(0),
});
