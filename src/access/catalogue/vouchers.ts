// Vouchers (promotional codes, gift vouchers): createVoucher, updateVoucher, deactivateVoucher, admins
// only, each change audited. Codes are case-insensitive: stored upper-case (CHECK
// vouchers_code_upper_check) under a unique index, so 'summer25' and 'SUMMER25' are one code
// (DUPLICATE_VOUCHER_CODE). A voucher's code and type never change (payments name it); its discount,
// limits, window and services change new checkouts only: a payment keeps the discount it was given.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { NotFoundError, ValidationError } from '../../db/errors.js';
import { payments, vouchers } from '../../db/schema/index.js';
import { recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { OPEN_PAYMENT_STATUSES } from '../money/payables.js';
import { createVoucherInput, discountProblems, updateVoucherInput, voucherInput } from './inputs.js';
import { assertServicesExist, changedFields, fromTo } from './shared.js';
import { voucherColumns, type VoucherView } from './views.js';

/** The voucher, locked FOR UPDATE: the lock startPayment takes to reserve a use (money/payables.ts). */
async function lockVoucher(ctx: OperationContext, voucherId: string): Promise<VoucherView> {
  const [row] = await ctx.tx.select(voucherColumns).from(vouchers).where(eq(vouchers.id, voucherId)).for('update');
  if (!row) throw new NotFoundError(`voucher ${voucherId} not found`);
  return row;
}

export const createVoucher = defineOperation({
  name: 'createVoucher',
  kind: 'write',
  input: createVoucherInput,
  async run(ctx, input): Promise<VoucherView> {
    ctx.school();
    await assertServicesExist(ctx, input.applicableServices);
    const [row] = await ctx.tx.insert(vouchers).values(input).returning(voucherColumns);
    await recordAudit(ctx, {
      eventType: 'VOUCHER_CREATED',
      subjectType: 'voucher',
      subjectId: row.id,
      details: {
        code: row.code, voucherType: row.voucherType, discountPercent: row.discountPercent, discountCents: row.discountCents,
        maxUses: row.maxUses, maxUsesPerStudent: row.maxUsesPerStudent, validFrom: row.validFrom.toISOString(), validUntil: row.validUntil?.toISOString() ?? null,
      },
    });
    return row;
  },
});

/**
 * Changes a voucher's discount, limits, window or services. max_uses never drops below the uses and
 * the open checkouts' reservations (those checkouts must be able to complete): VALIDATION_ERROR.
 */
export const updateVoucher = defineOperation({
  name: 'updateVoucher',
  kind: 'write',
  input: updateVoucherInput,
  async run(ctx, { voucherId, ...changes }): Promise<VoucherView> {
    ctx.school();
    const before = await lockVoucher(ctx, voucherId);
    const set = changedFields(before, changes);
    if (Object.keys(set).length === 0) return before;
    const problems = discountProblems({ ...before, ...set });
    if (problems.length > 0) throw new ValidationError(`invalid input: ${problems.map(([f, m]) => `${f}: ${m}`).join('; ')}`, problems.map(([f, m]) => `${f}: ${m}`), problems.map(([f]) => f));
    const validFrom = set.validFrom ?? before.validFrom;
    const validUntil = set.validUntil === undefined ? before.validUntil : set.validUntil;
    if (validUntil !== null && validUntil <= validFrom) {
      throw new ValidationError('validUntil: not after validFrom', [`validUntil: after validFrom (${validFrom.toISOString()})`], ['validUntil']);
    }
    await assertServicesExist(ctx, set.applicableServices);
    if (set.maxUses !== undefined && set.maxUses !== null) {
      const [{ reserved }] = await ctx.tx
        .select({ reserved: sql<number>`count(*)::int` })
        .from(payments)
        .where(and(eq(payments.voucherId, voucherId), inArray(payments.status, [...OPEN_PAYMENT_STATUSES])));
      if (set.maxUses < before.timesUsed + reserved) {
        throw new ValidationError(`maxUses: ${before.timesUsed} used and ${reserved} reserved by open checkouts`, [`maxUses: at least ${before.timesUsed + reserved}`], ['maxUses']);
      }
    }
    const [row] = await ctx.tx.update(vouchers).set(set).where(eq(vouchers.id, voucherId)).returning(voucherColumns);
    await recordAudit(ctx, { eventType: 'VOUCHER_UPDATED', subjectType: 'voucher', subjectId: voucherId, details: { code: row.code, changes: fromTo(before, set) } });
    return row;
  },
});

/** Withdraws a voucher: it is then not found at checkout; payments that used it keep their discount. */
export const deactivateVoucher = defineOperation({
  name: 'deactivateVoucher',
  kind: 'write',
  input: voucherInput,
  async run(ctx, { voucherId }): Promise<VoucherView> {
    ctx.school();
    const before = await lockVoucher(ctx, voucherId);
    if (!before.isActive) return before;
    const [row] = await ctx.tx.update(vouchers).set({ isActive: false }).where(eq(vouchers.id, voucherId)).returning(voucherColumns);
    await recordAudit(ctx, { eventType: 'VOUCHER_DEACTIVATED', subjectType: 'voucher', subjectId: voucherId, details: { code: row.code } });
    return row;
  },
});
