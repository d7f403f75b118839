// Changing when an instructor can teach: setAvailabilityRules (the weekly rules from a date on),
// addAvailabilityOverride and removeAvailabilityOverride (one day's block or opening). The instructor
// for themselves, or an admin. Each change takes the instructor's diary lock (./diary.ts), the one
// createBooking takes, so a booking made at the same moment is either seen by the change's report or
// checked against the new hours. A change never cancels a booking: the booked lessons it leaves
// outside availability are returned (outsideAvailability) for the school to deal with.
// getAvailableSlots reads the same rows, so it reflects a change as soon as it commits.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, gte, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { ForbiddenError, NotFoundError, ValidationError } from '../../db/errors.js';
import { availabilityOverrides, availabilityRules, bookings, instructors } from '../../db/schema/index.js';
import { canberraDate } from '../../domain/time.js';
import { addDays, canberraDayRange } from '../../domain/wall-clock.js';
import { changeWithAudit, recordAudit } from '../core/audit.js';
import { jsonObjectOf, rowsFromJson } from '../core/views.js';
import { queryRows } from '../../db/sql.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { lessonsOutside, type OutsideAvailability } from './availability-changes.js';
import { addAvailabilityOverrideInput, removeAvailabilityOverrideInput, setAvailabilityRulesInput } from './availability-inputs.js';
import { isActiveBooking } from './availability.js';
import { diaryLock } from './diary.js';
import { BOOKING_INPUT_COLUMNS, OVERRIDE_INPUT_COLUMNS, RULE_INPUT_COLUMNS } from './schedule-data.js';
import { overrideColumns, ruleColumns, type AvailabilityOverrideView, type AvailabilityRuleView } from './availability-views.js';

export type { OutsideAvailability };

/**
 * The matrix cell first (staff), then: an instructor changes only their own diary. The instructor must
 * exist; their diary's lock (./diary.ts) is taken in the same statement (one round trip, issue 20).
 */
async function lockOwnDiary(ctx: OperationContext, instructorId: string): Promise<void> {
  ctx.school();
  const a = ctx.actor;
  if (a.kind === 'instructor' && a.instructorId !== instructorId) throw new ForbiddenError('an instructor changes their own availability only');
  const [row] = await ctx.tx.select({ id: instructors.id, locked: diaryLock(instructors.id) }).from(instructors).where(eq(instructors.id, instructorId));
  if (!row) throw new NotFoundError(`instructor ${instructorId} not found`);
}

/** Availability is changed from today (Canberra) on: the past is history. */
function notPast(field: string, date: string): void {
  const today = canberraDate(new Date());
  if (date < today) throw new ValidationError(`${field}: ${date} is in the past (today is ${today} in Canberra)`, [`${field}: not before today (${today})`], [field]);
}

/**
 * The instructor's booked lessons (pending with a live hold, confirmed or in progress) that overlap
 * [from, to) and lie outside availability as the rows now stand in this transaction.
 */
async function bookedOutside(ctx: OperationContext, instructorId: string, from: Date, to?: Date): Promise<OutsideAvailability[]> {
  const now = new Date();
  const booked = await ctx.tx
    .select(BOOKING_INPUT_COLUMNS)
    .from(bookings)
    .where(
      and(
        eq(bookings.instructorId, instructorId),
        inArray(bookings.status, ['pending', 'confirmed', 'in_progress']),
        gt(bookings.endTime, from),
        to === undefined ? undefined : lt(bookings.startTime, to),
      ),
    )
    .orderBy(asc(bookings.startTime), asc(bookings.id));
  const live = booked.filter((b) => isActiveBooking(b, now));
  if (live.length === 0) return [];
  const first = addDays(canberraDate(live[0].startTime), -1);
  const last = addDays(canberraDate(new Date(live.reduce((m, b) => Math.max(m, b.endTime.getTime()), 0))), 1);
  const rules = await ctx.tx
    .select(RULE_INPUT_COLUMNS)
    .from(availabilityRules)
    .where(and(eq(availabilityRules.instructorId, instructorId), eq(availabilityRules.isActive, true), lte(availabilityRules.effectiveFrom, last), or(isNull(availabilityRules.effectiveUntil), gte(availabilityRules.effectiveUntil, first))));
  const overrides = await ctx.tx
    .select(OVERRIDE_INPUT_COLUMNS)
    .from(availabilityOverrides)
    .where(and(eq(availabilityOverrides.instructorId, instructorId), gte(availabilityOverrides.date, first), lte(availabilityOverrides.date, last)));
  return lessonsOutside(rules, overrides, live);
}

const outsideDetails = (outside: OutsideAvailability[]) => outside.map((o) => o.bookingId);

export interface SetAvailabilityRulesResult {
  instructorId: string;
  effectiveFrom: string;
  /** The weekly rules in force from effectiveFrom. */
  rules: AvailabilityRuleView[];
  /** Booked lessons from effectiveFrom on that the new rules leave outside availability (not cancelled). */
  outsideAvailability: OutsideAvailability[];
}

/**
 * Replaces the instructor's weekly rules from `effectiveFrom` (default today, Canberra; never in the
 * past). The rules in force before it end the day before (effective_until); rules that would only
 * have started on or after it are deactivated, never in force. History is kept: no row is deleted.
 */
export const setAvailabilityRules = defineOperation({
  name: 'setAvailabilityRules',
  kind: 'write',
  input: setAvailabilityRulesInput,
  async run(ctx, input): Promise<SetAvailabilityRulesResult> {
    const from = input.effectiveFrom ?? canberraDate(new Date());
    notPast('effectiveFrom', from);
    await lockOwnDiary(ctx, input.instructorId);
    const mine = and(eq(availabilityRules.instructorId, input.instructorId), eq(availabilityRules.isActive, true));
    const withdrawn = await ctx.tx
      .update(availabilityRules)
      .set({ isActive: false })
      .where(and(mine, gte(availabilityRules.effectiveFrom, from)))
      .returning({ id: availabilityRules.id });
    const ended = await ctx.tx
      .update(availabilityRules)
      .set({ effectiveUntil: addDays(from, -1) })
      .where(and(mine, lt(availabilityRules.effectiveFrom, from), or(isNull(availabilityRules.effectiveUntil), gte(availabilityRules.effectiveUntil, from))))
      .returning({ id: availabilityRules.id });
    const rules =
      input.rules.length === 0
        ? []
        : await ctx.tx
            .insert(availabilityRules)
            .values(input.rules.map((r) => ({ instructorId: input.instructorId, dayOfWeek: r.dayOfWeek, startTime: r.startTime, endTime: r.endTime, effectiveFrom: from })))
            .returning(ruleColumns);
    rules.sort((a, b) => a.dayOfWeek - b.dayOfWeek || a.startTime.localeCompare(b.startTime));
    const outside = await bookedOutside(ctx, input.instructorId, new Date(canberraDayRange(from).start));
    await recordAudit(ctx, {
      eventType: 'AVAILABILITY_RULES_SET',
      subjectType: 'instructor',
      subjectId: input.instructorId,
      details: {
        effectiveFrom: from,
        rules: rules.map((r) => ({ id: r.id, dayOfWeek: r.dayOfWeek, startTime: r.startTime, endTime: r.endTime })),
        endedRuleIds: ended.map((r) => r.id),
        withdrawnRuleIds: withdrawn.map((r) => r.id),
        outsideAvailability: outsideDetails(outside),
      },
    });
    return { instructorId: input.instructorId, effectiveFrom: from, rules, outsideAvailability: outside };
  },
});

export interface AvailabilityOverrideResult {
  override: AvailabilityOverrideView;
  /** Booked lessons on the override's date now outside availability (not cancelled). */
  outsideAvailability: OutsideAvailability[];
}

/**
 * What decides which lessons on the Canberra `date` are outside availability, read in one statement
 * (issue 20) under the diary's lock: the booked lessons touching the day, and the instructor's rules and
 * overrides from two days before to two days after it (a lesson touching the day starts or ends within
 * a day of it, and lessonsOutside looks one day further each way).
 */
async function diaryAround(ctx: OperationContext, instructorId: string, date: string) {
  const day = canberraDayRange(date);
  const first = addDays(date, -2);
  const last = addDays(date, 2);
  type Json = Array<Record<string, unknown>>;
  const [row] = await queryRows<{ booked: Json; rules: Json; overrides: Json }>(ctx.tx, sql`select
    (select coalesce(jsonb_agg(${jsonObjectOf(BOOKING_INPUT_COLUMNS)} order by ${bookings.startTime}, ${bookings.id}), '[]') from ${bookings}
      where ${bookings.instructorId} = ${instructorId} and ${bookings.status} in ('pending', 'confirmed', 'in_progress')
        and ${bookings.endTime} > ${new Date(day.start)} and ${bookings.startTime} < ${new Date(day.end)}) as booked,
    (select coalesce(jsonb_agg(${jsonObjectOf(RULE_INPUT_COLUMNS)}), '[]') from ${availabilityRules}
      where ${availabilityRules.instructorId} = ${instructorId} and ${availabilityRules.isActive}
        and ${availabilityRules.effectiveFrom} <= ${last} and (${availabilityRules.effectiveUntil} is null or ${availabilityRules.effectiveUntil} >= ${first})) as rules,
    (select coalesce(jsonb_agg(${jsonObjectOf(overrideColumns)}), '[]') from ${availabilityOverrides}
      where ${availabilityOverrides.instructorId} = ${instructorId} and ${availabilityOverrides.date} between ${first} and ${last}) as overrides`);
  const now = new Date();
  return {
    live: rowsFromJson(BOOKING_INPUT_COLUMNS, row.booked).filter((b) => isActiveBooking(b, now)),
    rules: rowsFromJson(RULE_INPUT_COLUMNS, row.rules),
    overrides: rowsFromJson(overrideColumns, row.overrides),
  };
}

/**
 * One day's block (`blocked`: a holiday, a sick day; no times = the whole day) or opening
 * (`available`: extra hours; no times = the whole day) for the instructor, today or later. A block
 * answers which booked lessons it leaves outside availability.
 */
export const addAvailabilityOverride = defineOperation({
  name: 'addAvailabilityOverride',
  kind: 'write',
  input: addAvailabilityOverrideInput,
  async run(ctx, input): Promise<AvailabilityOverrideResult> {
    notPast('date', input.date);
    await lockOwnDiary(ctx, input.instructorId);
    // The report is worked out on the day as it will stand (under the diary's lock nothing else changes
    // it), so the override and its audit entry are one statement (issue 20).
    const values = {
      id: randomUUID(), instructorId: input.instructorId, date: input.date, startTime: input.startTime ?? null, endTime: input.endTime ?? null,
      overrideType: input.overrideType, reason: input.reason ?? null,
    };
    const diary = await diaryAround(ctx, input.instructorId, input.date);
    const outside = lessonsOutside(diary.rules, [...diary.overrides, values], diary.live);
    const [override] = await changeWithAudit(
      ctx,
      ctx.tx.insert(availabilityOverrides).values(values).returning(overrideColumns),
      {
        eventType: 'AVAILABILITY_OVERRIDE_ADDED',
        subjectType: 'instructor',
        subjectId: input.instructorId,
        details: { overrideId: values.id, date: values.date, overrideType: values.overrideType, outsideAvailability: outsideDetails(outside) },
      },
      [],
      { startTime: 'start_time', endTime: 'end_time' }, // as the database keeps them ('09:00:00')
    );
    return { override, outsideAvailability: outside };
  },
});

/**
 * Removes an override of today or later (a past day's is history, kept). Removing an opening answers,
 * like a block, which booked lessons are now outside availability.
 */
export const removeAvailabilityOverride = defineOperation({
  name: 'removeAvailabilityOverride',
  kind: 'write',
  input: removeAvailabilityOverrideInput,
  async run(ctx, { overrideId }): Promise<AvailabilityOverrideResult> {
    ctx.school();
    // The override and its diary's lock in one statement; the diary's rows are read after the lock.
    const [found] = await ctx.tx
      .select({ ...overrideColumns, locked: diaryLock(availabilityOverrides.instructorId) })
      .from(availabilityOverrides)
      .where(eq(availabilityOverrides.id, overrideId));
    const a = ctx.actor;
    // another instructor's override does not exist for an instructor
    if (!found || (a.kind === 'instructor' && found.instructorId !== a.instructorId)) throw new NotFoundError(`availability override ${overrideId} not found`);
    notPast('overrideId', found.date);
    const diary = await diaryAround(ctx, found.instructorId, found.date);
    const outside = lessonsOutside(diary.rules, diary.overrides.filter((o) => o.id !== overrideId), diary.live);
    const [removed] = await changeWithAudit(ctx, ctx.tx.delete(availabilityOverrides).where(eq(availabilityOverrides.id, overrideId)).returning(overrideColumns), {
      eventType: 'AVAILABILITY_OVERRIDE_REMOVED',
      subjectType: 'instructor',
      subjectId: found.instructorId,
      details: { overrideId, date: found.date, startTime: found.startTime, endTime: found.endTime, overrideType: found.overrideType, reason: found.reason, outsideAvailability: outsideDetails(outside) },
    });
    if (!removed) throw new NotFoundError(`availability override ${overrideId} not found`); // removed meanwhile (no entry was written)
    return { override: removed, outsideAvailability: outside };
  },
});
