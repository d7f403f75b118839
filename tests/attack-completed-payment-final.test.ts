// Attack (issue 15, "Also"): a completed payment's created_at, refund columns, gateway_response and
// invoice_url could still be rewritten by nexdrive_app (only amount, payer, purpose, voucher and gateway
// payment were frozen), and nothing recorded when it completed.
// Fix (migration 0023, payments_keep_record and payments_money_rules): a completed (refunded, disputed)
// payment is final except through a refund: every column but status, the refund columns (only with a
// refund), booking_id (only along a reschedule) and updated_at is frozen; invoice_url may be set once;
// created_at never changes; completed_at is the database's clock when the payment completes, whatever
// a caller writes.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sqlstateOf } from '../src/db/errors.js';
import { payments } from '../src/db/schema/index.js';
import type { NewPayment } from '../src/db/types.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createSchoolBasics, failureOf } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

const row = async (id: string) => (await app.db.select().from(payments).where(eq(payments.id, id)))[0];

it('records completed_at itself, when the payment completes, whatever the caller writes', async () => {
  const { student } = await createSchoolBasics(app.db);
  const [pending] = await app.db.insert(payments).values({ studentId: student.id, amountCents: 10500, paymentMethod: 'card', status: 'pending', completedAt: new Date('2001-01-01') }).returning();
  expect(pending.completedAt).toBeNull();
  await app.db.update(payments).set({ completedAt: new Date('2001-01-01') }).where(eq(payments.id, pending.id));
  expect((await row(pending.id)).completedAt).toBeNull();
  const before = Date.now();
  await app.db.update(payments).set({ status: 'completed', completedAt: new Date('2001-01-01') }).where(eq(payments.id, pending.id));
  const done = await row(pending.id);
  expect(done.completedAt!.getTime()).toBeGreaterThan(before - 60_000);
  expect(done.invoiceNumber).toMatch(/^NXD-/);
});

const FROZEN: Array<[string, Partial<NewPayment>]> = [
  ['created_at', { createdAt: new Date('2020-01-01') }],
  ['completed_at', { completedAt: new Date('2020-01-01') }],
  ['gateway_response', { gatewayResponse: { forged: true } }],
  ['refund_reason without a refund', { refundReason: 'nothing refunded' }],
  ['refunded_at without a refund', { refundedAt: new Date() }],
  ['description', { description: 'something else' }],
  ['needs_refund', { needsRefund: true }],
];

it.each(FROZEN)('refuses to change a completed payment\'s %s as nexdrive_app (ND004)', async (_what, change) => {
  const { student } = await createSchoolBasics(app.db);
  const [paid] = await app.db.insert(payments).values({ studentId: student.id, amountCents: 10500, paymentMethod: 'card', status: 'completed', gatewayResponse: { id: 'ch_1' } }).returning();
  const err = await failureOf(() => app.db.update(payments).set(change).where(eq(payments.id, paid.id)));
  expect(sqlstateOf(err)).toBe('ND004');
  expect(await row(paid.id)).toEqual(paid);
});

it('lets an invoice_url be set once, then keeps it; and takes a refund, the one change a completed payment allows', async () => {
  const { student } = await createSchoolBasics(app.db);
  const [paid] = await app.db.insert(payments).values({ studentId: student.id, amountCents: 10500, paymentMethod: 'card', status: 'completed' }).returning();
  await app.db.update(payments).set({ invoiceUrl: 'invoices/a.pdf' }).where(eq(payments.id, paid.id));
  expect(sqlstateOf(await failureOf(() => app.db.update(payments).set({ invoiceUrl: 'invoices/b.pdf' }).where(eq(payments.id, paid.id))))).toBe('ND004');
  await app.db.execute(sql`update payments set status = 'partially_refunded', refund_amount_cents = 500, refund_reason = 'late start', refunded_at = now() where id = ${paid.id}`);
  expect(await row(paid.id)).toMatchObject({ status: 'partially_refunded', refundAmountCents: 500, invoiceUrl: 'invoices/a.pdf', completedAt: paid.completedAt });
  // The reason of a recorded refund changes only with the next refund.
  expect(sqlstateOf(await failureOf(() => app.db.update(payments).set({ refundReason: 'rewritten' }).where(eq(payments.id, paid.id))))).toBe('ND004');
});
