// Issue 15, defect 2: every system actor held the whole `system` column of the matrix. An AI agent
// (agent:sms) passing now: 2099-01-01 expired every package of the school; an agent completed a payment
// with no gateway payment id (an invoice number was issued); agent:voice re-linked a real instructor's
// ADI number to a new Clerk user with force: true. Now each lane (job, webhook, agent, cli) is its own
// column; only admins and jobs may pass `now`; a webhook completes or fails only its own provider's
// payments, naming the gateway payment; linkInstructor is for admins and the operator (cli) only.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completePayment, confirmBooking, createBooking, expirePackages, expirePendingBookings, expirePendingPayments, failPayment, getStudentContext, getStudentProgress, linkInstructor,
  listBookings, systemActor, type Actor,
} from '../src/access/index.js';
import { availabilityOverrides, instructors, payments, studentPackages } from '../src/db/schema/index.js';
import { canberraDate } from '../src/domain/time.js';
import { addDays, canberraInstant } from '../src/domain/wall-clock.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, createAdmin, createSchoolBasics, failureOf } from './support/fixtures.js';
import { givePackage, insertPayment } from './support/money.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

const agent = systemActor('agent:sms');
const webhook = systemActor('webhook:stripe');
const job = systemActor('cron:expire-packages');
const FAR_FUTURE = new Date('2099-01-01T00:00:00Z');

/** 14:00 on a Canberra date days ahead, opened by an 'available' override (bookable in real time). */
let daysAhead = 3;
async function openSlot(instructorId: string): Promise<Date> {
  const date = addDays(canberraDate(new Date()), ++daysAhead);
  await t.db.insert(availabilityOverrides).values({ instructorId, date, startTime: '14:00', endTime: '16:00', overrideType: 'available' });
  return canberraInstant(date, '14:00');
}

describe('the time an operation acts at', () => {
  it('is chosen by admins and jobs only: an agent, a webhook, a command and a person passing now are FORBIDDEN, and nothing expires', async () => {
    const s = await createSchoolBasics(t.db);
    const held = await givePackage(t.db, s.student.id, { expiresAt: new Date('2030-01-01T00:00:00Z') });
    const callers: Actor[] = [agent, webhook, systemActor('cli:ops'), actorOf.instructor(s.instructor), actorOf.student(s.student)];
    for (const caller of callers) {
      expect(await failureOf(() => expirePackages(t.db, caller, { now: FAR_FUTURE }))).toMatchObject({ code: 'FORBIDDEN' });
      expect(await failureOf(() => expirePendingPayments(t.db, caller, { now: FAR_FUTURE }))).toMatchObject({ code: 'FORBIDDEN' });
      expect(await failureOf(() => expirePendingBookings(t.db, caller, { now: FAR_FUTURE }))).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect((await t.db.select().from(studentPackages).where(eq(studentPackages.id, held.id)))[0].status).toBe('active');
    // the school's own job may: the package expires
    const { expired } = await expirePackages(t.db, job, { now: FAR_FUTURE });
    expect(expired.map((e) => e.studentPackageId)).toContain(held.id);
  });

  it('is refused before anything is read, whatever else the input says (a booking in the notice period)', async () => {
    const s = await createSchoolBasics(t.db);
    const err = await failureOf(() =>
      createBooking(t.db, actorOf.student(s.student), { instructorId: s.instructor.id, serviceId: s.serviceId, studentId: s.student.id, start: '2027-03-01T10:00:00+11:00', bookedVia: 'website', now: new Date('2027-02-28T00:00:00Z') }),
    );
    expect(err).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('webhooks', () => {
  it('complete only their own provider’s payments, naming the gateway payment; an agent completes nothing', async () => {
    const s = await createSchoolBasics(t.db);
    const stripe = await insertPayment(t.db, s.student.id, { gateway: 'stripe' });
    const tyro = await insertPayment(t.db, s.student.id, { gateway: 'tyro' });
    const none = await insertPayment(t.db, s.student.id);
    expect(await failureOf(() => completePayment(t.db, agent, { paymentId: stripe.id, gatewayPaymentId: 'pi_agent' }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failureOf(() => completePayment(t.db, webhook, { paymentId: stripe.id }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['gatewayPaymentId'] });
    expect(await failureOf(() => completePayment(t.db, webhook, { paymentId: tyro.id, gatewayPaymentId: 'pi_1' }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failureOf(() => completePayment(t.db, webhook, { paymentId: none.id, gatewayPaymentId: 'pi_2' }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failureOf(() => completePayment(t.db, webhook, { paymentId: stripe.id, gateway: 'tyro', gatewayPaymentId: 'pi_3' }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failureOf(() => failPayment(t.db, systemActor('webhook:tyro'), { paymentId: stripe.id, gatewayPaymentId: 'pi_4', reason: 'declined' }))).toMatchObject({ code: 'FORBIDDEN' });
    for (const p of [stripe, tyro, none]) expect((await t.db.select().from(payments).where(eq(payments.id, p.id)))[0]).toMatchObject({ status: 'pending', invoiceNumber: null });
    const done = await completePayment(t.db, webhook, { paymentId: stripe.id, gatewayPaymentId: 'pi_real' });
    expect(done.payment).toMatchObject({ status: 'completed' });
    expect((await t.db.select().from(payments).where(eq(payments.id, stripe.id)))[0].gatewayPaymentId).toBe('pi_real');
  });

  it('fail a payment only under its recorded gateway payment id', async () => {
    const s = await createSchoolBasics(t.db);
    const p = await insertPayment(t.db, s.student.id, { gateway: 'stripe', gatewayPaymentId: 'pi_recorded' });
    expect(await failureOf(() => failPayment(t.db, webhook, { paymentId: p.id, gatewayPaymentId: 'pi_other', reason: 'declined' }))).toMatchObject({ code: 'GATEWAY_PAYMENT_MISMATCH' });
    expect((await failPayment(t.db, webhook, { paymentId: p.id, gatewayPaymentId: 'pi_recorded', reason: 'declined' })).payment.status).toBe('failed');
  });
});

describe('a webhook confirming a booking', () => {
  // Found in the final review: the matrix lets webhooks confirm (a paid booking is confirmed from the
  // payment's webhook), but any webhook (webhook:clerk too) confirmed any pending booking, paid or not.
  it('confirms only a booking its own provider was paid for', async () => {
    const s = await createSchoolBasics(t.db);
    const unpaid = await createBooking(t.db, actorOf.student(s.student), {
      instructorId: s.instructor.id, serviceId: s.serviceId, studentId: s.student.id, start: await openSlot(s.instructor.id), bookedVia: 'website',
    });
    expect(await failureOf(() => confirmBooking(t.db, webhook, { bookingId: unpaid.id }))).toMatchObject({ code: 'FORBIDDEN' });
    await insertPayment(t.db, s.student.id, { bookingId: unpaid.id, gateway: 'stripe', gatewayPaymentId: 'pi_confirm_1', status: 'completed' });
    expect(await failureOf(() => confirmBooking(t.db, systemActor('webhook:clerk'), { bookingId: unpaid.id }))).toMatchObject({ code: 'FORBIDDEN' });
    expect((await confirmBooking(t.db, webhook, { bookingId: unpaid.id })).status).toBe('confirmed');
  });
});

describe('agents', () => {
  it('get the student context, but not the student’s progress, diary or a re-link of an instructor', async () => {
    const s = await createSchoolBasics(t.db);
    expect(await getStudentContext(t.db, agent, { studentId: s.student.id })).toMatchObject({ studentId: s.student.id });
    expect(await failureOf(() => getStudentProgress(t.db, agent, { studentId: s.student.id }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failureOf(() => listBookings(t.db, agent, { studentId: s.student.id }))).toMatchObject({ code: 'FORBIDDEN' });
    const [before] = await t.db.select().from(instructors).where(eq(instructors.id, s.instructor.id));
    for (const caller of [systemActor('agent:voice'), webhook, job]) {
      const err = await failureOf(() =>
        linkInstructor(t.db, caller, { clerkId: 'user_2attacker', adiNumber: before.adiNumber, adiExpiry: '2028-06-30', firstName: 'Eve', lastName: 'Attacker', email: 'eve@example.com', force: true }),
      );
      expect(err).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect((await t.db.select().from(instructors).where(eq(instructors.id, s.instructor.id)))[0].userId).toBe(before.userId);
  });

  it('only carry names of a known kind: a made-up kind is refused', async () => {
    expect(() => systemActor('system:anything')).toThrow(/cron/);
    const s = await createSchoolBasics(t.db);
    expect(await failureOf(() => getStudentContext(t.db, { system: 'robot:x' }, { studentId: s.student.id }))).toMatchObject({ code: 'VALIDATION_ERROR' });
    const admin = actorOf.admin(await createAdmin(t.db));
    expect(await getStudentContext(t.db, admin, { studentId: s.student.id })).toMatchObject({ studentId: s.student.id });
  });
});
