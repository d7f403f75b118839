// Attack (critical): payments_keep_record (migration 0013) freezes amount, payer and purpose only while
// the payment's status is completed (or refunded...), and never freezes the status itself. Two ordinary
// UPDATEs by nexdrive_app move an invoiced, completed payment back to pending, change its amount and
// payer, and complete it again; a refund is erased the same way. No trick is needed.
// Fix: once OLD.status is completed/refunded/partially_refunded/disputed, allow only forward status
// moves (completed -> refunded/partially_refunded/disputed, partially_refunded -> refunded, ...), and
// never let refund_amount_cents decrease or refunded_at/refund_reason be cleared.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { payments } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createSchoolBasics } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it('an invoiced completed payment keeps its amount and payer, even when nexdrive_app first moves it back to pending', async () => {
  const { student } = await createSchoolBasics(app.db);
  const other = await createSchoolBasics(app.db);
  const [payment] = await app.db
    .insert(payments)
    .values({ studentId: student.id, amountCents: 10500, paymentMethod: 'card', status: 'completed' }) // the database gives the invoice number
    .returning();
  const attempt = async (statement: ReturnType<typeof sql>) => app.db.execute(statement).catch(() => undefined);
  await attempt(sql`update payments set status = 'pending' where id = ${payment.id}`);
  await attempt(sql`update payments set amount_cents = 5, student_id = ${other.student.id} where id = ${payment.id}`);
  await attempt(sql`update payments set status = 'completed' where id = ${payment.id}`);
  const [after] = await app.db.select({ amountCents: payments.amountCents, studentId: payments.studentId, invoiceNumber: payments.invoiceNumber }).from(payments).where(eq(payments.id, payment.id));
  expect(after).toEqual({ amountCents: 10500, studentId: student.id, invoiceNumber: payment.invoiceNumber });
  expect(payment.invoiceNumber).toMatch(/^NXD-\d{4}-\d{4}$/);
});

it('a refund once recorded is never erased, not even by way of a dispute', async () => {
  const { student } = await createSchoolBasics(app.db);
  const [payment] = await app.db.insert(payments).values({ studentId: student.id, amountCents: 10500, paymentMethod: 'card', status: 'completed' }).returning();
  await app.db.execute(sql`update payments set status = 'partially_refunded', refund_amount_cents = 5000, refund_reason = 'short lesson', refunded_at = now() where id = ${payment.id}`);
  const attempt = async (statement: ReturnType<typeof sql>) => app.db.execute(statement).catch(() => undefined);
  await attempt(sql`update payments set status = 'disputed' where id = ${payment.id}`);
  await attempt(sql`update payments set status = 'completed', refund_amount_cents = 0, refund_reason = null, refunded_at = null where id = ${payment.id}`);
  await attempt(sql`update payments set refund_amount_cents = 0 where id = ${payment.id}`);
  await attempt(sql`update payments set refund_amount_cents = null where id = ${payment.id}`);
  const [after] = await app.db.select({ refund: payments.refundAmountCents, reason: payments.refundReason }).from(payments).where(eq(payments.id, payment.id));
  expect(after).toEqual({ refund: 5000, reason: 'short lesson' });
});
