// What a payment looks like to whoever may read it (parents with can_view_payments included):
// explicit columns, never the gateway's raw response (it may hold card data).
import { payments } from '../../db/schema/index.js';
import type { Payment } from '../../db/types.js';
import { publicColumns, type RowOf } from '../core/views.js';

export const paymentColumns = publicColumns({
  id: payments.id,
  studentId: payments.studentId,
  bookingId: payments.bookingId,
  packageId: payments.packageId,
  amountCents: payments.amountCents,
  currency: payments.currency,
  paymentMethod: payments.paymentMethod,
  status: payments.status,
  refundAmountCents: payments.refundAmountCents,
  refundReason: payments.refundReason,
  refundedAt: payments.refundedAt,
  invoiceNumber: payments.invoiceNumber,
  invoiceUrl: payments.invoiceUrl,
  description: payments.description,
  discountCents: payments.discountCents,
  voucherId: payments.voucherId,
  studentPackageId: payments.studentPackageId,
  createdAt: payments.createdAt,
  completedAt: payments.completedAt,
  needsRefund: payments.needsRefund,
});
export type PaymentView = RowOf<typeof paymentColumns>;

/** A payment row as its public view: the same keys as paymentColumns, nothing else (no gateway response). */
export function toPaymentView(row: Payment): PaymentView {
  return Object.fromEntries(Object.keys(paymentColumns).map((key) => [key, row[key as keyof PaymentView]])) as PaymentView;
}
