// Taking money: a checkout (startPayment: a pending payment the gateway then completes or fails) and a
// manual payment (recordManualPayment: cash or a direct debit an instructor or admin took, completed at
// once). The amount is the booking's amount_cents or the package's price, less the voucher's discount.
import { payments } from '../../db/schema/index.js';
import type { Payment, PaymentMethod } from '../../db/types.js';
import { PAYMENT_HOLD_MINUTES } from '../../domain/rules.js';
import { randomUUID } from 'node:crypto';
import { changeWithAudit, recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { completionAudit, settlePayment, type Settlement } from './completion.js';
import { recordManualPaymentInput, startPaymentInput } from './inputs.js';
import { loadPayable, MANUALLY_PAYABLE_BOOKING_STATUSES, reserveVoucher, type Payable, type Reservation } from './payables.js';
import { toPaymentView, type PaymentView } from './views.js';

export interface CheckoutResult {
  payment: PaymentView;
  /** Until when the checkout holds its voucher reservation (expirePendingPayments fails it after that);
   *  null when nothing was left to pay and the payment completed at once. */
  holdExpiresAt: Date | null;
  /** The package a zero-amount package purchase gave at once. */
  studentPackageId: string | null;
}

/** A pending payment's row, its id chosen here so that its audit entry can name it in the same statement. */
function pendingPayment(
  studentId: string,
  payable: Payable,
  method: PaymentMethod,
  extra: { gateway?: string | null; description?: string | null; reservation?: Reservation },
) {
  const { reservation } = extra;
  return {
    id: randomUUID(),
    studentId,
    bookingId: payable.booking?.id ?? null,
    packageId: payable.pkg?.id ?? null,
    amountCents: reservation ? reservation.amountCents : payable.purchase.priceCents,
    discountCents: reservation?.discountCents ?? 0,
    voucherId: reservation?.voucher.id ?? null,
    paymentMethod: method,
    gateway: extra.gateway ?? null,
    description: extra.description ?? payable.description,
    status: 'pending' as const,
  };
}

/**
 * Opens a checkout: a pending payment for the student's booking or a package, with the voucher's
 * discount, reserving one use of the voucher until the payment completes (the use is taken), fails or
 * expires (released). When the voucher leaves nothing to pay, the payment completes at once (method
 * 'voucher'), with its invoice number.
 */
export const startPayment = defineOperation({
  name: 'startPayment',
  kind: 'write',
  input: startPaymentInput,
  async run(ctx, input): Promise<CheckoutResult> {
    const { student } = await ctx.student(input.studentId, { lock: true });
    const payable = await loadPayable(ctx, student.id, input);
    const reservation = input.voucherCode ? await reserveVoucher(ctx, input.voucherCode, student.id, payable.purchase) : undefined;
    const free = (reservation ? reservation.amountCents : payable.purchase.priceCents) === 0;
    const method: PaymentMethod = free && reservation ? 'voucher' : input.method;
    const values = pendingPayment(student.id, payable, method, { gateway: input.gateway, description: input.description, reservation });
    const insert = ctx.tx.insert(payments).values(values).returning();
    const started = {
      eventType: 'PAYMENT_STARTED',
      subjectType: 'payment',
      subjectId: values.id,
      details: {
        studentId: student.id, bookingId: values.bookingId, packageId: values.packageId, amountCents: values.amountCents,
        paymentMethod: method, voucherId: values.voucherId, discountCents: values.discountCents,
      },
    };
    let payment: Payment;
    let settled: Settlement | null = null;
    if (free) {
      // Completed at once: its entries after the completion, so the invoice year's lock comes before the
      // audit chain's, as in every money operation.
      [payment] = await insert;
      settled = await settlePayment(ctx, payment);
      await recordAudit(ctx, started);
      await recordAudit(ctx, completionAudit(settled, 'PAYMENT_COMPLETED'));
    } else {
      [payment] = await changeWithAudit(ctx, insert, started); // one statement (issue 20)
    }
    return {
      payment: toPaymentView(settled?.payment ?? payment),
      holdExpiresAt: settled ? null : new Date(payment.createdAt.getTime() + PAYMENT_HOLD_MINUTES * 60_000),
      studentPackageId: settled?.studentPackage?.id ?? null,
    };
  },
});

/** Money the student's instructor (or an admin) took in person: recorded completed at once, with its invoice number. */
export const recordManualPayment = defineOperation({
  name: 'recordManualPayment',
  kind: 'write',
  input: recordManualPaymentInput,
  async run(ctx, input): Promise<{ payment: PaymentView; studentPackageId: string | null }> {
    const { student } = await ctx.student(input.studentId, { lock: true });
    // Cash is often taken at the lesson: a lesson under way or over may be paid in person.
    const payable = await loadPayable(ctx, student.id, input, MANUALLY_PAYABLE_BOOKING_STATUSES);
    const [payment] = await ctx.tx.insert(payments).values(pendingPayment(student.id, payable, input.method, { description: input.description })).returning();
    const settled = await settlePayment(ctx, payment, {}, 'PAYMENT_RECORDED');
    return { payment: toPaymentView(settled.payment), studentPackageId: settled.studentPackage?.id ?? null };
  },
});
