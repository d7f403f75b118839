// The inputs of the money operations, derived from the payments table with drizzle-zod where they are
// its columns, and refined where the domain says more: a checkout pays for one booking or one package,
// online methods only (cash and direct debit taken in person go through recordManualPayment, credits
// through redeemCredit), refunds of at least one cent, a gateway payment id only with its gateway.
import { createInsertSchema } from 'drizzle-zod';
import { z } from 'zod';
import { payments } from '../../db/schema/index.js';
import type { PaymentMethod } from '../../db/types.js';
import { boundedJson, id, instant, text } from '../core/validation.js';

const paymentFields = createInsertSchema(payments, {
  gateway: (s) => s.trim().toLowerCase().min(1, 'must not be empty').max(50),
  gatewayPaymentId: (s) => s.trim().min(1, 'must not be empty').max(255),
  description: (s) => s.trim().max(500),
});

/** Methods of a checkout the student pays through a gateway. */
export const CHECKOUT_METHODS = ['card', 'direct_debit', 'afterpay', 'paypal', 'other'] as const satisfies readonly PaymentMethod[];
/** Money an instructor or admin took in person (or a direct debit they set up). */
export const MANUAL_METHODS = ['cash', 'direct_debit', 'other'] as const satisfies readonly PaymentMethod[];

const MAX_CENTS = 2_147_483_647; // the integer columns' limit

/** What is paid for: exactly one of a booking of the student or a package on sale. */
const oneThing = <T extends { bookingId?: string; packageId?: string }>(v: T, ctx: z.RefinementCtx) => {
  if (!v.bookingId === !v.packageId) ctx.addIssue({ code: 'custom', path: ['bookingId'], message: 'pay for exactly one of bookingId or packageId' });
};

export const startPaymentInput = paymentFields
  .pick({ gateway: true, description: true })
  .partial()
  .extend({
    studentId: id(),
    bookingId: id().optional(),
    packageId: id().optional(),
    voucherCode: z.string().trim().min(1, 'must not be empty').max(50).optional(),
    method: z.enum(CHECKOUT_METHODS),
  })
  .strict()
  .superRefine(oneThing);

export const recordManualPaymentInput = paymentFields
  .pick({ description: true })
  .partial()
  .extend({
    studentId: id(),
    bookingId: id().optional(),
    packageId: id().optional(),
    method: z.enum(MANUAL_METHODS),
  })
  .strict()
  .superRefine(oneThing);

export const completePaymentInput = paymentFields
  .pick({ gateway: true, gatewayPaymentId: true })
  .partial()
  .extend({
    paymentId: id(),
    /** The gateway's message as it came (may hold card data: never shown to students, parents or agents). */
    gatewayResponse: boundedJson({ maxBytes: 65_536 })
      .refine((d) => d !== null && typeof d === 'object' && !Array.isArray(d), 'gatewayResponse is a JSON object')
      .transform((d) => d as Record<string, unknown>)
      .optional(),
  })
  .strict();

export const failPaymentInput = paymentFields
  .pick({ gatewayPaymentId: true })
  .partial()
  .extend({ paymentId: id(), reason: text(500) })
  .strict();

export const refundPaymentInput = z.strictObject({
  paymentId: id(),
  amountCents: z.int('whole cents').min(1, 'a refund is at least 1 cent').max(MAX_CENTS),
  reason: text(500),
});

export const bookingInput = z.strictObject({ bookingId: id() });

/** Jobs: `now` defaults to the current time (tests and catch-up runs pass one). */
export const jobInput = z.strictObject({ now: instant().optional() });
