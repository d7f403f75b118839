// The school's set-up through the access layer (issue 17, items 5-7), on every engine, as the
// application runs (a member of nexdrive_app): weekly availability rules replaced from a date (history
// kept, overlaps refused by the operation and by the database), overrides added and removed, booked
// lessons left outside availability reported and never cancelled, getAvailableSlots reflecting each
// change at once; the catalogue (a price change never reaches an existing booking or payment, a
// deactivated service, package or voucher cannot be bought, voucher codes unique case-insensitively);
// the waitlist (one live entry per person and instructor, who may join, the match on cancel).
// Concurrency is on the server (the describe at the end).
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addAvailabilityOverride, cancelBooking, createBooking, createPackage, createService, createVoucher, deactivatePackage, deactivateService,
  deactivateVoucher, getAvailableSlots, joinWaitlist, leaveWaitlist, removeAvailabilityOverride, setAvailabilityRules, startPayment,
  systemActor, updatePackage, updateService, updateVoucher,
} from '../src/access/index.js';
import { sqlstateOf } from '../src/db/errors.js';
import { auditLog, availabilityRules, bookings, contacts, payments, waitlist } from '../src/db/schema/index.js';
import { canberraDate } from '../src/domain/time.js';
import { canberraInstant, DAY_MS } from '../src/domain/wall-clock.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { actorOf, createInstructor, createParent, createStudent, failureOf } from './support/fixtures.js';
import { createDiary, insertBooking, type Diary } from './support/scheduling.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

/** The slots' clock: Monday 1 March 2027, 09:00 in Canberra. The changes themselves act in real time
 *  (only admins and jobs may pass `now`), on dates after today. */
const NOW = new Date('2027-03-01T09:00:00+11:00');
const MONDAY = '2027-03-08';
const TUESDAY = '2027-03-09';
const local = (date: string, time: string) => canberraInstant(date, time);

function slotsOn(d: Diary, date: string, serviceId = d.serviceId) {
  const from = local(date, '00:00');
  return getAvailableSlots(t.db, { instructorId: d.instructor.id, serviceId, from, to: new Date(from.getTime() + DAY_MS), now: NOW });
}
const startsOn = async (d: Diary, date: string) => (await slotsOn(d, date)).map((s) => s.start.toISOString());
const rulesOf = (instructorId: string) => t.db.select().from(availabilityRules).where(eq(availabilityRules.instructorId, instructorId));
const auditOf = (eventType: string, subjectId: string) => t.db.select().from(auditLog).where(and(eq(auditLog.eventType, eventType), eq(auditLog.subjectId, subjectId)));
const mondayMorning = [{ dayOfWeek: 1, startTime: '09:00', endTime: '12:00' }];

describe('setAvailabilityRules', () => {
  it('replaces the weekly rules from the effective date: the old ones end the day before, kept; slots change at once', async () => {
    const d = await createDiary(t.db, { buffer: 0 }); // every day 08:00-18:00 from 2026-01-01
    const before = await startsOn(d, TUESDAY);
    expect(before.length).toBeGreaterThan(0);
    const result = await setAvailabilityRules(t.db, d.asInstructor, { instructorId: d.instructor.id, rules: mondayMorning, effectiveFrom: MONDAY });
    expect(result).toMatchObject({ effectiveFrom: MONDAY, outsideAvailability: [] });
    expect(result.rules).toMatchObject([{ dayOfWeek: 1, startTime: '09:00:00', endTime: '12:00:00', effectiveFrom: MONDAY, effectiveUntil: null, isActive: true }]);
    // 60-minute lessons on the 15-minute grid from 09:00 to 11:00 on Mondays, nothing on Tuesdays
    expect(await slotsOn(d, MONDAY)).toHaveLength(9);
    expect(await startsOn(d, TUESDAY)).toEqual([]);
    // the day before still has the old hours
    expect((await startsOn(d, '2027-03-07')).length).toBe(before.length);
    const rows = await rulesOf(d.instructor.id);
    expect(rows).toHaveLength(8); // seven old rules, kept with effective_until, and the new one
    expect(rows.filter((r) => r.effectiveUntil === '2027-03-07')).toHaveLength(7);
    const [entry] = await auditOf('AVAILABILITY_RULES_SET', d.instructor.id);
    expect(entry).toMatchObject({ actorId: d.instructor.userId, actorRole: 'instructor' });
    expect(entry.details).toMatchObject({ effectiveFrom: MONDAY, endedRuleIds: expect.any(Array), outsideAvailability: [] });
  });

  it('set again from the same date: the first new set is withdrawn (never in force), not overlapped', async () => {
    const d = await createDiary(t.db, { buffer: 0 });
    await setAvailabilityRules(t.db, d.asAdmin, { instructorId: d.instructor.id, rules: mondayMorning, effectiveFrom: MONDAY });
    const second = await setAvailabilityRules(t.db, d.asAdmin, { instructorId: d.instructor.id, rules: [{ dayOfWeek: 1, startTime: '10:00', endTime: '14:00' }], effectiveFrom: MONDAY });
    expect(second.rules).toHaveLength(1);
    expect((await slotsOn(d, MONDAY))[0].start).toEqual(local(MONDAY, '10:00'));
    const withdrawn = (await rulesOf(d.instructor.id)).filter((r) => !r.isActive);
    expect(withdrawn).toMatchObject([{ startTime: '09:00:00', effectiveFrom: MONDAY }]);
  });

  it('refuses two overlapping rules of one day with VALIDATION_ERROR naming the day, and writes nothing; touching rules stand', async () => {
    const d = await createDiary(t.db);
    const err = await failureOf(() =>
      setAvailabilityRules(t.db, d.asInstructor, { instructorId: d.instructor.id, rules: [...mondayMorning, { dayOfWeek: 1, startTime: '11:00', endTime: '13:00' }], effectiveFrom: MONDAY }),
    );
    expect(err).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['rules.1'] });
    expect((err as Error).message).toContain('Monday');
    expect(await rulesOf(d.instructor.id)).toHaveLength(7);
    const ok = await setAvailabilityRules(t.db, d.asInstructor, { instructorId: d.instructor.id, rules: [...mondayMorning, { dayOfWeek: 1, startTime: '12:00', endTime: '15:00' }], effectiveFrom: MONDAY });
    expect(ok.rules).toHaveLength(2);
    expect(await slotsOn(d, MONDAY)).toHaveLength(21); // 09:00 to 14:00, the two rules joined
  });

  it('the database refuses an overlapping active rule written as raw SQL by the application (AVAILABILITY_OVERLAP), and any DELETE', async () => {
    const d = await createDiary(t.db); // every day 08:00-18:00 from 2026-01-01, no end
    const overlap = await failureOf(() => t.db.insert(availabilityRules).values({ instructorId: d.instructor.id, dayOfWeek: 2, startTime: '17:00', endTime: '19:00', effectiveFrom: '2027-06-01' }));
    expect(sqlstateOf(overlap)).toBe('23P01');
    // another day, a withdrawn rule, or dates that do not meet are fine
    await t.db.insert(availabilityRules).values({ instructorId: d.instructor.id, dayOfWeek: 2, startTime: '17:00', endTime: '19:00', effectiveFrom: '2027-06-01', isActive: false });
    const [old] = await t.db.update(availabilityRules).set({ effectiveUntil: '2027-05-31' }).where(and(eq(availabilityRules.instructorId, d.instructor.id), eq(availabilityRules.dayOfWeek, 3))).returning();
    await t.db.insert(availabilityRules).values({ instructorId: d.instructor.id, dayOfWeek: 3, startTime: '17:00', endTime: '19:00', effectiveFrom: '2027-06-01' });
    const deleted = await failureOf(() => t.db.delete(availabilityRules).where(eq(availabilityRules.id, old.id)));
    expect(sqlstateOf(deleted)).toBe('42501');
  });

  it('returns the booked lessons the new rules leave outside availability, and cancels none', async () => {
    const d = await createDiary(t.db);
    const inside = await insertBooking(t.db, d, local(MONDAY, '10:00'));
    const outside = await insertBooking(t.db, d, local(TUESDAY, '10:00'), 'pending');
    const overhang = await insertBooking(t.db, d, local('2027-03-15', '11:30')); // a Monday, 11:30-12:30
    await insertBooking(t.db, d, local('2027-03-10', '10:00'), 'cancelled'); // not booked any more
    const earlier = await insertBooking(t.db, d, local('2027-03-05', '10:00')); // before the change
    const result = await setAvailabilityRules(t.db, d.asAdmin, { instructorId: d.instructor.id, rules: mondayMorning, effectiveFrom: MONDAY });
    expect(result.outsideAvailability).toEqual([
      { bookingId: outside.id, start: outside.startTime, end: outside.endTime },
      { bookingId: overhang.id, start: overhang.startTime, end: overhang.endTime },
    ]);
    const statuses = await t.db.select({ id: bookings.id, status: bookings.status }).from(bookings).where(eq(bookings.instructorId, d.instructor.id));
    expect(Object.fromEntries(statuses.map((s) => [s.id, s.status]))).toMatchObject({ [inside.id]: 'confirmed', [outside.id]: 'pending', [overhang.id]: 'confirmed', [earlier.id]: 'confirmed' });
    const [entry] = await auditOf('AVAILABILITY_RULES_SET', d.instructor.id);
    expect((entry.details as { outsideAvailability: string[] }).outsideAvailability).toEqual([outside.id, overhang.id]);
  });

  it("an instructor changes only their own rules (FORBIDDEN); a past date, an unknown instructor and bad times are refused", async () => {
    const d = await createDiary(t.db);
    const stranger = actorOf.instructor(await createInstructor(t.db));
    expect(await failureOf(() => setAvailabilityRules(t.db, stranger, { instructorId: d.instructor.id, rules: [] }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failureOf(() => setAvailabilityRules(t.db, d.asStudent, { instructorId: d.instructor.id, rules: [] }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failureOf(() => setAvailabilityRules(t.db, d.asAdmin, { instructorId: d.instructor.id, rules: [], effectiveFrom: '2026-01-01' }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['effectiveFrom'] });
    expect(await failureOf(() => setAvailabilityRules(t.db, d.asAdmin, { instructorId: '00000000-0000-0000-0000-0000000000aa', rules: [] }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await failureOf(() => setAvailabilityRules(t.db, d.asAdmin, { instructorId: d.instructor.id, rules: [{ dayOfWeek: 1, startTime: '25:00', endTime: '26:00' }] }))).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await rulesOf(d.instructor.id)).toHaveLength(7);
  });

  it('an empty list from a date: no weekly hours from then (today by default)', async () => {
    const d = await createDiary(t.db);
    const result = await setAvailabilityRules(t.db, d.asInstructor, { instructorId: d.instructor.id, rules: [] });
    expect(result.effectiveFrom).toBe(canberraDate(new Date()));
    expect(await startsOn(d, MONDAY)).toEqual([]);
  });
});

describe('availability overrides', () => {
  it('a whole-day block reports the lessons on it, closes the day at once; removing it reopens the day', async () => {
    const d = await createDiary(t.db);
    const lesson = await insertBooking(t.db, d, local(MONDAY, '10:00'));
    const open = await startsOn(d, MONDAY);
    const added = await addAvailabilityOverride(t.db, d.asInstructor, { instructorId: d.instructor.id, date: MONDAY, overrideType: 'blocked', reason: 'Sick day' });
    expect(added.override).toMatchObject({ date: MONDAY, startTime: null, endTime: null, overrideType: 'blocked' });
    expect(added.outsideAvailability).toEqual([{ bookingId: lesson.id, start: lesson.startTime, end: lesson.endTime }]);
    expect(await startsOn(d, MONDAY)).toEqual([]);
    const [stillBooked] = await t.db.select({ status: bookings.status }).from(bookings).where(eq(bookings.id, lesson.id));
    expect(stillBooked.status).toBe('confirmed');
    const removed = await removeAvailabilityOverride(t.db, d.asInstructor, { overrideId: added.override.id });
    expect(removed.outsideAvailability).toEqual([]);
    expect(await startsOn(d, MONDAY)).toEqual(open);
    expect(await auditOf('AVAILABILITY_OVERRIDE_ADDED', d.instructor.id)).toHaveLength(1);
    expect(await auditOf('AVAILABILITY_OVERRIDE_REMOVED', d.instructor.id)).toHaveLength(1);
  });

  it('a block of some hours reports only the lessons it touches', async () => {
    const d = await createDiary(t.db, { buffer: 0 });
    const touched = await insertBooking(t.db, d, local(MONDAY, '10:30'));
    await insertBooking(t.db, d, local(MONDAY, '14:00'));
    const added = await addAvailabilityOverride(t.db, d.asAdmin, { instructorId: d.instructor.id, date: MONDAY, startTime: '10:00', endTime: '11:00', overrideType: 'blocked' });
    expect(added.outsideAvailability.map((o) => o.bookingId)).toEqual([touched.id]);
    // (the entry is written in the override's own statement, with its times as the database keeps them)
    expect((await auditOf('AVAILABILITY_OVERRIDE_ADDED', d.instructor.id))[0].details).toMatchObject({ startTime: '10:00:00', endTime: '11:00:00', outsideAvailability: [touched.id] });
    expect((await startsOn(d, MONDAY)).map((s) => new Date(s).getTime())).not.toContain(local(MONDAY, '09:15').getTime()); // 09:15-10:15 crosses the block
  });

  it('an opening adds hours at once; removing it reports the lessons booked in it', async () => {
    const d = await createDiary(t.db, { rules: [[[1], '09:00', '12:00']] }); // Mondays only
    expect(await startsOn(d, TUESDAY)).toEqual([]);
    const added = await addAvailabilityOverride(t.db, d.asInstructor, { instructorId: d.instructor.id, date: TUESDAY, startTime: '14:00', endTime: '16:00', overrideType: 'available' });
    expect(added.outsideAvailability).toEqual([]);
    expect((await slotsOn(d, TUESDAY)).map((s) => s.start)).toEqual([local(TUESDAY, '14:00'), local(TUESDAY, '14:15'), local(TUESDAY, '14:30'), local(TUESDAY, '14:45'), local(TUESDAY, '15:00')]);
    const lesson = await insertBooking(t.db, d, local(TUESDAY, '14:00'));
    const removed = await removeAvailabilityOverride(t.db, d.asInstructor, { overrideId: added.override.id });
    expect(removed.outsideAvailability.map((o) => o.bookingId)).toEqual([lesson.id]);
  });

  it("refuses one time without the other, a past day, another instructor's diary; another's override is NOT_FOUND", async () => {
    const d = await createDiary(t.db);
    const strangerRow = await createInstructor(t.db);
    const stranger = actorOf.instructor(strangerRow);
    expect(await failureOf(() => addAvailabilityOverride(t.db, d.asAdmin, { instructorId: d.instructor.id, date: MONDAY, startTime: '10:00', overrideType: 'blocked' }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['endTime'] });
    expect(await failureOf(() => addAvailabilityOverride(t.db, d.asAdmin, { instructorId: d.instructor.id, date: '2026-01-05', overrideType: 'blocked' }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['date'] });
    expect(await failureOf(() => addAvailabilityOverride(t.db, stranger, { instructorId: d.instructor.id, date: MONDAY, overrideType: 'blocked' }))).toMatchObject({ code: 'FORBIDDEN' });
    const { override } = await addAvailabilityOverride(t.db, d.asAdmin, { instructorId: d.instructor.id, date: MONDAY, overrideType: 'blocked' });
    expect(await failureOf(() => removeAvailabilityOverride(t.db, stranger, { overrideId: override.id }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await failureOf(() => removeAvailabilityOverride(t.db, d.asStudent, { overrideId: override.id }))).toMatchObject({ code: 'FORBIDDEN' });
    await removeAvailabilityOverride(t.db, d.asAdmin, { overrideId: override.id });
    expect(await failureOf(() => removeAvailabilityOverride(t.db, d.asAdmin, { overrideId: override.id }))).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('the catalogue', () => {
  const admin = async () => (await createDiary(t.db)).asAdmin;

  it('a new service is bookable; a price change reaches new bookings only, never an existing booking', async () => {
    const d = await createDiary(t.db);
    const service = await createService(t.db, d.asAdmin, { name: 'Test Route (90 min)', slug: `test-route-${Date.now()}`, durationMinutes: 90, priceCents: 15000, category: 'lesson', minNoticeHours: 2 });
    expect(service).toMatchObject({ isActive: true, priceCents: 15000, isBookableOnline: true });
    expect(await slotsOn(d, MONDAY, service.id)).not.toEqual([]);
    const book = (start: Date) => createBooking(t.db, d.asAdmin, { instructorId: d.instructor.id, serviceId: service.id, studentId: d.student.id, start, bookedVia: 'admin', now: NOW });
    const first = await book(local(MONDAY, '09:00'));
    expect(first).toMatchObject({ amountCents: 15000, durationMinutes: 90 });
    const updated = await updateService(t.db, d.asAdmin, { serviceId: service.id, priceCents: 17500, name: 'Test Route' });
    expect(updated).toMatchObject({ priceCents: 17500, name: 'Test Route' });
    const second = await book(local(MONDAY, '13:00'));
    expect(second.amountCents).toBe(17500);
    const [stored] = await t.db.select({ amountCents: bookings.amountCents }).from(bookings).where(eq(bookings.id, first.id));
    expect(stored.amountCents).toBe(15000);
    const [entry] = await auditOf('SERVICE_UPDATED', service.id);
    expect(entry.details).toMatchObject({ changes: { priceCents: { from: 15000, to: 17500 }, name: { from: 'Test Route (90 min)', to: 'Test Route' } } });
    // nothing to change: no entry
    await updateService(t.db, d.asAdmin, { serviceId: service.id, priceCents: 17500 });
    expect(await auditOf('SERVICE_UPDATED', service.id)).toHaveLength(1);
  });

  it('a deactivated service has no slots and cannot be booked (NOT_FOUND); its bookings stand', async () => {
    const d = await createDiary(t.db);
    const service = await createService(t.db, d.asAdmin, { name: 'Old lesson', slug: `old-${Date.now()}`, durationMinutes: 60, priceCents: 9000, category: 'lesson' });
    const booked = await createBooking(t.db, d.asAdmin, { instructorId: d.instructor.id, serviceId: service.id, studentId: d.student.id, start: local(MONDAY, '09:00'), bookedVia: 'admin', now: NOW });
    expect(await deactivateService(t.db, d.asAdmin, { serviceId: service.id })).toMatchObject({ isActive: false });
    expect(await failureOf(() => slotsOn(d, MONDAY, service.id))).toMatchObject({ code: 'NOT_FOUND' });
    expect(
      await failureOf(() => createBooking(t.db, d.asStudent, { instructorId: d.instructor.id, serviceId: service.id, studentId: d.student.id, start: local(MONDAY, '13:00'), bookedVia: 'website' })),
    ).toMatchObject({ code: 'NOT_FOUND' });
    const [row] = await t.db.select({ status: bookings.status, amountCents: bookings.amountCents }).from(bookings).where(eq(bookings.id, booked.id));
    expect(row).toEqual({ status: 'pending', amountCents: 9000 });
    // deactivating twice changes nothing and writes one entry
    await deactivateService(t.db, d.asAdmin, { serviceId: service.id });
    expect(await auditOf('SERVICE_DEACTIVATED', service.id)).toHaveLength(1);
  });

  it('a slug is unique (DUPLICATE_SERVICE_SLUG); only admins keep the catalogue', async () => {
    const d = await createDiary(t.db);
    const slug = `dup-${Date.now()}`;
    await createService(t.db, d.asAdmin, { name: 'One', slug, durationMinutes: 60, priceCents: 1, category: 'lesson' });
    expect(await failureOf(() => createService(t.db, d.asAdmin, { name: 'Two', slug, durationMinutes: 60, priceCents: 1, category: 'lesson' }))).toMatchObject({ code: 'DUPLICATE_SERVICE_SLUG' });
    expect(await failureOf(() => createService(t.db, d.asInstructor, { name: 'Three', slug: `${slug}-x`, durationMinutes: 60, priceCents: 1, category: 'lesson' }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failureOf(() => createService(t.db, d.asAdmin, { name: 'Bad', slug: 'Has Spaces', durationMinutes: 60, priceCents: -1, category: 'lesson' }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['slug', 'priceCents'] });
  });

  it("voucher codes are stored upper-case and unique whatever their case; a changed discount never changes a checkout's amount; a withdrawn voucher is not found", async () => {
    const d = await createDiary(t.db);
    const code = `spring-${Date.now().toString(36)}`;
    const voucher = await createVoucher(t.db, d.asAdmin, { code: ` ${code} `, voucherType: 'percentage', discountPercent: 10 });
    expect(voucher.code).toBe(code.toUpperCase());
    expect(await failureOf(() => createVoucher(t.db, d.asAdmin, { code: code.toUpperCase(), voucherType: 'fixed_amount', discountCents: 500 }))).toMatchObject({ code: 'DUPLICATE_VOUCHER_CODE' });
    // the database holds it too: a lower-case code written as raw SQL by the application
    expect(sqlstateOf(await failureOf(() => t.db.execute(sql`insert into vouchers (code, voucher_type, discount_percent) values (${code}, 'percentage', 5)`)))).toBe('23514');
    const booking = await insertBooking(t.db, d, local(MONDAY, '10:00'), 'pending', 60, { amountCents: 10000 });
    const checkout = await startPayment(t.db, d.asStudent, { studentId: d.student.id, bookingId: booking.id, method: 'card', voucherCode: code });
    expect(checkout.payment).toMatchObject({ amountCents: 9000, discountCents: 1000 });
    await updateVoucher(t.db, d.asAdmin, { voucherId: voucher.id, discountPercent: 50 });
    const [payment] = await t.db.select({ amountCents: payments.amountCents, discountCents: payments.discountCents }).from(payments).where(eq(payments.id, checkout.payment.id));
    expect(payment).toEqual({ amountCents: 9000, discountCents: 1000 });
    // one use reserved by the open checkout: max_uses cannot drop below it
    expect(await failureOf(() => updateVoucher(t.db, d.asAdmin, { voucherId: voucher.id, maxUses: 0 }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['maxUses'] });
    expect(await updateVoucher(t.db, d.asAdmin, { voucherId: voucher.id, maxUses: 1 })).toMatchObject({ maxUses: 1 });
    await deactivateVoucher(t.db, d.asAdmin, { voucherId: voucher.id });
    const other = await insertBooking(t.db, d, local(MONDAY, '14:00'), 'pending');
    expect(await failureOf(() => startPayment(t.db, d.asStudent, { studentId: d.student.id, bookingId: other.id, method: 'card', voucherCode: code }))).toMatchObject({ code: 'VOUCHER_NOT_FOUND' });
    expect((await auditOf('VOUCHER_UPDATED', voucher.id)).length).toBe(2);
  });

  it("a voucher's discount fits its type (VALIDATION_ERROR naming the field); code and type never change", async () => {
    const a = await admin();
    expect(await failureOf(() => createVoucher(t.db, a, { code: `p-${Date.now()}`, voucherType: 'percentage' }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['discountPercent'] });
    expect(await failureOf(() => createVoucher(t.db, a, { code: `f-${Date.now()}`, voucherType: 'free_lesson', discountCents: 100 }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['discountCents'] });
    expect(await failureOf(() => createVoucher(t.db, a, { code: 'ß-ok', voucherType: 'free_lesson' }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['code'] });
    const v = await createVoucher(t.db, a, { code: `fx-${Date.now()}`, voucherType: 'fixed_amount', discountCents: 500, applicableServices: [] });
    expect(await failureOf(() => updateVoucher(t.db, a, { voucherId: v.id, discountPercent: 10 }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['discountPercent'] });
    expect(await failureOf(() => updateVoucher(t.db, a, { voucherId: v.id, code: 'OTHER' } as never))).toMatchObject({ code: 'VALIDATION_ERROR' });
    // the window as it will stand: a validUntil before the voucher's validFrom
    expect(await failureOf(() => updateVoucher(t.db, a, { voucherId: v.id, validUntil: '2020-01-01T00:00:00Z' }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['validUntil'] });
    expect(await failureOf(() => createVoucher(t.db, a, { code: `s-${Date.now()}`, voucherType: 'free_lesson', applicableServices: ['00000000-0000-0000-0000-0000000000ab'] }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['applicableServices'] });
  });

  it("a package's price changes new checkouts only; its terms never change; a withdrawn package cannot be bought", async () => {
    const d = await createDiary(t.db);
    const pkg = await createPackage(t.db, d.asAdmin, { name: 'Five lessons', totalCredits: 5, priceCents: 50000, validForDays: 180, applicableServices: [d.serviceId] });
    const checkout = await startPayment(t.db, d.asStudent, { studentId: d.student.id, packageId: pkg.id, method: 'card' });
    expect(checkout.payment.amountCents).toBe(50000);
    expect(await updatePackage(t.db, d.asAdmin, { packageId: pkg.id, priceCents: 45000 })).toMatchObject({ priceCents: 45000, totalCredits: 5 });
    const [payment] = await t.db.select({ amountCents: payments.amountCents }).from(payments).where(eq(payments.id, checkout.payment.id));
    expect(payment.amountCents).toBe(50000);
    expect(await failureOf(() => updatePackage(t.db, d.asAdmin, { packageId: pkg.id, totalCredits: 10 } as never))).toMatchObject({ code: 'VALIDATION_ERROR' });
    await deactivatePackage(t.db, d.asAdmin, { packageId: pkg.id });
    const other = await createStudent(t.db, d.instructor.id);
    expect(await failureOf(() => startPayment(t.db, actorOf.student(other), { studentId: other.id, packageId: pkg.id, method: 'card' }))).toMatchObject({ code: 'NOT_FOUND' });
    expect((await auditOf('PACKAGE_CREATED', pkg.id)).length + (await auditOf('PACKAGE_UPDATED', pkg.id)).length + (await auditOf('PACKAGE_DEACTIVATED', pkg.id)).length).toBe(3);
  });
});

describe('the waitlist', () => {
  it('a student joins once per instructor (a repeat returns the live entry), leaves, and may join again', async () => {
    const d = await createDiary(t.db);
    const joined = await joinWaitlist(t.db, d.asStudent, { studentId: d.student.id, preferredDay: 3, preferredTimeStart: '09:00', preferredTimeEnd: '12:00' });
    expect(joined).toMatchObject({ created: true, entry: { studentId: d.student.id, instructorId: d.instructor.id, status: 'waiting', preferredDay: 3 } });
    const again = await joinWaitlist(t.db, d.asStudent, { studentId: d.student.id });
    expect(again).toMatchObject({ created: false, entry: { id: joined.entry.id, preferredDay: 3 } });
    expect(await leaveWaitlist(t.db, d.asStudent, { waitlistId: joined.entry.id })).toMatchObject({ left: true, entry: { status: 'cancelled' } });
    expect(await leaveWaitlist(t.db, d.asStudent, { waitlistId: joined.entry.id })).toMatchObject({ left: false });
    const rejoined = await joinWaitlist(t.db, d.asStudent, { studentId: d.student.id });
    expect(rejoined.created).toBe(true);
    expect(rejoined.entry.id).not.toBe(joined.entry.id);
    expect(await auditOf('WAITLIST_JOINED', joined.entry.id)).toHaveLength(1);
    expect(await auditOf('WAITLIST_LEFT', joined.entry.id)).toHaveLength(1);
  });

  it('the database holds one live entry per person and instructor, whoever writes it', async () => {
    const d = await createDiary(t.db);
    await joinWaitlist(t.db, d.asStudent, { studentId: d.student.id });
    const err = await failureOf(() => t.db.insert(waitlist).values({ studentId: d.student.id, instructorId: d.instructor.id, status: 'notified' }));
    expect(sqlstateOf(err)).toBe('23505');
    // any instructor (NULL) is one entry too
    await t.db.insert(waitlist).values({ studentId: d.student.id });
    expect(sqlstateOf(await failureOf(() => t.db.insert(waitlist).values({ studentId: d.student.id })))).toBe('23505');
  });

  it("a student waits for their own instructor; a parent needs can_book_lessons; an agent puts a prospect on the list, never a student", async () => {
    const d = await createDiary(t.db);
    const other = await createInstructor(t.db);
    expect(await failureOf(() => joinWaitlist(t.db, d.asStudent, { studentId: d.student.id, instructorId: other.id }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['instructorId'] });
    const { parent } = await createParent(t.db, d.student.id, { canBookLessons: false });
    expect(await failureOf(() => joinWaitlist(t.db, actorOf.parent(parent), { studentId: d.student.id }))).toMatchObject({ code: 'NOT_FOUND' });
    const agent = systemActor('agent:sms');
    expect(await failureOf(() => joinWaitlist(t.db, agent, { studentId: d.student.id }))).toMatchObject({ code: 'FORBIDDEN' });
    const [contact] = await t.db.insert(contacts).values({ firstName: 'Casey', phone: `+6141${String(Date.now() % 1e7).padStart(7, '0')}` }).returning();
    const prospect = await joinWaitlist(t.db, agent, { contactId: contact.id, preferredDay: 6 });
    expect(prospect).toMatchObject({ created: true, entry: { contactId: contact.id, studentId: null, instructorId: null } });
    expect((await joinWaitlist(t.db, agent, { contactId: contact.id })).entry.id).toBe(prospect.entry.id);
    expect(await failureOf(() => joinWaitlist(t.db, d.asInstructor, { contactId: contact.id }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failureOf(() => leaveWaitlist(t.db, d.asStudent, { waitlistId: prospect.entry.id }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await leaveWaitlist(t.db, agent, { waitlistId: prospect.entry.id })).toMatchObject({ left: true });
    expect(await failureOf(() => joinWaitlist(t.db, agent, { contactId: contact.id, studentId: d.student.id }))).toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('an entry made by joinWaitlist is among those a cancelled lesson is offered to', async () => {
    const d = await createDiary(t.db);
    const waiting = await createStudent(t.db, d.instructor.id);
    const joined = await joinWaitlist(t.db, actorOf.student(waiting), { studentId: waiting.id, serviceId: d.serviceId, preferredDay: 1, preferredTimeStart: '09:00', preferredTimeEnd: '12:00' });
    const booked = await createBooking(t.db, d.asAdmin, { instructorId: d.instructor.id, serviceId: d.serviceId, studentId: d.student.id, start: local(MONDAY, '10:00'), bookedVia: 'admin', now: NOW });
    const cancelled = await cancelBooking(t.db, d.asInstructor, { bookingId: booked.id, reason: 'Car in service' });
    expect(cancelled.waitlist.map((e) => e.id)).toContain(joined.entry.id);
  });
});

describe.runIf(onServer)('under concurrency (PostgreSQL server)', () => {
  let s: TestDb;
  beforeAll(async () => {
    s = await openTestDb({ role: 'app', poolSize: 20 });
  });
  afterAll(() => s?.dispose());

  it('16 concurrent joins of one student make one live entry', async () => {
    const d = await createDiary(s.db);
    const results = await Promise.all(Array.from({ length: 16 }, () => joinWaitlist(s.db, d.asStudent, { studentId: d.student.id })));
    expect(new Set(results.map((r) => r.entry.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await s.db.$count(waitlist, eq(waitlist.studentId, d.student.id))).toBe(1);
  });

  it('12 concurrent rule changes from one date end with exactly one set in force, never overlapping', async () => {
    const d = await createDiary(s.db);
    const sets = Array.from({ length: 12 }, (_, i) => [{ dayOfWeek: 1, startTime: `${String(8 + (i % 6)).padStart(2, '0')}:00`, endTime: '16:00' }, { dayOfWeek: 2, startTime: '09:00', endTime: '10:00' }]);
    const results = await Promise.allSettled(sets.map((rules) => setAvailabilityRules(s.db, d.asAdmin, { instructorId: d.instructor.id, rules, effectiveFrom: MONDAY })));
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const inForce = await s.db.select().from(availabilityRules).where(and(eq(availabilityRules.instructorId, d.instructor.id), eq(availabilityRules.isActive, true), eq(availabilityRules.effectiveFrom, MONDAY)));
    expect(inForce).toHaveLength(2);
  });

  it('a block and a booking at once: the booking is refused, or it stands and the block reports it', async () => {
    for (let i = 0; i < 6; i++) {
      const d = await createDiary(s.db);
      const [block, booking] = await Promise.allSettled([
        addAvailabilityOverride(s.db, d.asAdmin, { instructorId: d.instructor.id, date: MONDAY, overrideType: 'blocked' }),
        createBooking(s.db, d.asAdmin, { instructorId: d.instructor.id, serviceId: d.serviceId, studentId: d.student.id, start: local(MONDAY, '10:00'), bookedVia: 'admin', now: NOW }),
      ]);
      expect(block.status).toBe('fulfilled');
      const reported = (block as PromiseFulfilledResult<{ outsideAvailability: Array<{ bookingId: string }> }>).value.outsideAvailability.map((o) => o.bookingId);
      if (booking.status === 'fulfilled') expect(reported).toEqual([booking.value.id]);
      else expect(booking.reason).toMatchObject({ code: 'SLOT_UNAVAILABLE', reason: 'outside_hours' });
    }
  });
});
