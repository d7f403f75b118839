// The inputs of the catalogue operations, derived from the tables with drizzle-zod (the columns' types,
// the category and voucher-type enums) and refined where the school says more: names trimmed and
// bounded, prices in whole cents, a slug for URLs, a voucher's code of letters, digits, - and _ (so
// JavaScript's and PostgreSQL's upper() agree), and a voucher's discount fitting its type.
import { createInsertSchema } from 'drizzle-zod';
import { z } from 'zod';
import { packages, services, vouchers } from '../../db/schema/index.js';
import { id, instant, storable, text } from '../core/validation.js';
import { normalizeVoucherCode } from '../money/rules.js';

const MAX_CENTS = 2_147_483_647; // the integer columns' limit
const cents = () => z.int('whole cents').min(0, 'not negative').max(MAX_CENTS);
const name = () => text(200);
const description = () => text(2000);
/** Services a package or voucher is for: distinct ids; empty means every service. */
const serviceIds = () =>
  z
    .array(id())
    .max(100)
    .refine((ids) => new Set(ids).size === ids.length, 'each service once');

// ─── Services ───

const serviceFields = createInsertSchema(services, {
  name: () => name(),
  slug: () => storable(z.string().trim()).pipe(z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a slug is lower-case letters and digits joined by single hyphens, e.g. learner-60').max(100)),
  description: () => description().nullable(),
  durationMinutes: (s) => s.min(15, 'at least 15 minutes').max(12 * 60, 'at most 12 hours'),
  priceCents: () => cents(),
  minNoticeHours: (s) => s.min(0).max(24 * 365),
  sortOrder: (s) => s.min(-1_000_000).max(1_000_000),
  color: () => z.string().regex(/^#[0-9A-Fa-f]{6}$/, 'a colour like #1A2B3C').nullable(),
}).pick({
  name: true, slug: true, description: true, durationMinutes: true, priceCents: true, category: true,
  isBookableOnline: true, requiresEligibilityCheck: true, minNoticeHours: true, sortOrder: true, color: true,
});

export const createServiceInput = serviceFields
  .partial({ description: true, isBookableOnline: true, requiresEligibilityCheck: true, minNoticeHours: true, sortOrder: true, color: true })
  .strict();
export const updateServiceInput = serviceFields.partial().extend({ serviceId: id() }).strict();
export const serviceInput = z.strictObject({ serviceId: id() });

// ─── Packages ───
// A package's terms (credits, validity, services) are what its buyers paid for: they are set when it
// is created and never change (students' packages and open checkouts read them); a new offer is a new
// package. Its name, description and price (for new purchases only) may change.

const packageFields = createInsertSchema(packages, {
  name: () => name(),
  description: () => description().nullable(),
  totalCredits: (s) => s.min(1, 'at least 1 credit').max(1000),
  priceCents: () => cents(),
  validForDays: (s) => s.min(1, 'at least a day (leave it out: no expiry)').max(3650).nullable(),
  applicableServices: () => serviceIds(),
});

export const createPackageInput = packageFields
  .pick({ name: true, description: true, totalCredits: true, priceCents: true, validForDays: true, applicableServices: true })
  .partial({ description: true, validForDays: true, applicableServices: true })
  .strict();
export const updatePackageInput = packageFields.pick({ name: true, description: true, priceCents: true }).partial().extend({ packageId: id() }).strict();
export const packageInput = z.strictObject({ packageId: id() });

// ─── Vouchers ───

/** A voucher code as people type it (any case, spaces around), stored upper-case. */
export const voucherCode = () =>
  z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$/, 'a code is 3 to 40 letters, digits, - or _ (e.g. SUMMER-25)')
    .transform(normalizeVoucherCode);

const voucherFields = createInsertSchema(vouchers, {
  discountPercent: (s) => s.min(1, 'at least 1%').max(100).nullable(),
  discountCents: () => cents().min(1, 'at least 1 cent').nullable(),
  maxUses: (s) => s.min(1).max(1_000_000).nullable(),
  maxUsesPerStudent: (s) => s.min(1).max(1000).nullable(),
  validFrom: () => instant(),
  validUntil: () => instant().nullable(),
  applicableServices: () => serviceIds(),
}).pick({ voucherType: true, discountPercent: true, discountCents: true, maxUses: true, maxUsesPerStudent: true, validFrom: true, validUntil: true, applicableServices: true });

type Discounting = { voucherType?: string; discountPercent?: number | null; discountCents?: number | null };

/**
 * The discount fields a voucher type uses: percentage needs discountPercent, fixed_amount needs
 * discountCents, free_lesson neither; the other is left empty. Problems as [field, message].
 */
export function discountProblems(v: Discounting): Array<[keyof Discounting, string]> {
  const problems: Array<[keyof Discounting, string]> = [];
  const has = (x: number | null | undefined) => x !== null && x !== undefined;
  if (v.voucherType === 'percentage') {
    if (!has(v.discountPercent)) problems.push(['discountPercent', 'a percentage voucher gives a discountPercent']);
    if (has(v.discountCents)) problems.push(['discountCents', 'a percentage voucher gives no discountCents']);
  } else if (v.voucherType === 'fixed_amount') {
    if (!has(v.discountCents)) problems.push(['discountCents', 'a fixed_amount voucher gives discountCents']);
    if (has(v.discountPercent)) problems.push(['discountPercent', 'a fixed_amount voucher gives no discountPercent']);
  } else if (v.voucherType === 'free_lesson') {
    if (has(v.discountPercent)) problems.push(['discountPercent', 'a free_lesson voucher gives no discount of its own']);
    if (has(v.discountCents)) problems.push(['discountCents', 'a free_lesson voucher gives no discount of its own']);
  }
  return problems;
}

const windowOk = (v: { validFrom?: Date; validUntil?: Date | null }) => !(v.validFrom instanceof Date && v.validUntil instanceof Date) || v.validUntil > v.validFrom;

export const createVoucherInput = voucherFields
  .partial({ discountPercent: true, discountCents: true, maxUses: true, maxUsesPerStudent: true, validFrom: true, validUntil: true, applicableServices: true })
  .extend({ code: voucherCode() })
  .strict()
  .superRefine((v, ctx) => {
    for (const [field, message] of discountProblems(v)) ctx.addIssue({ code: 'custom', path: [field], message });
  })
  .refine(windowOk, { path: ['validUntil'], message: 'validUntil is after validFrom' });

/** The code and type never change (payments name the voucher); the rest may. */
export const updateVoucherInput = voucherFields
  .omit({ voucherType: true })
  .partial()
  .extend({ voucherId: id() })
  .strict()
  .refine(windowOk, { path: ['validUntil'], message: 'validUntil is after validFrom' });

export const voucherInput = z.strictObject({ voucherId: id() });
