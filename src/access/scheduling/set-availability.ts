// Changing when an instructor can teach: setAvailabilityRules (the weekly rules from a date on),
// addAvailabilityOverride and removeAvailabilityOverride (one day's block or opening). The instructor
// for themselves, or an admin. Each change takes the instructor's diary lock (./diary.ts), the one
// createBooking takes, so a booking made at the same moment is either seen by the change's report or
// checked against the new hours. A change never cancels a booking: the booked lessons it leaves
// outside availability are returned (outsideAvailability) for the school to deal with.
// getAvailableSlots reads the same rows, so it reflects a change as soon as it commits.
import { and, asc, eq, gt, gte, inArray, isNull, lt, lte, or } from 'drizzle-orm';
import { ForbiddenError, NotFoundError, ValidationError } from '../../db/errors.js';
import { availabilityOverrides, availabilityRules, bookings, instructors } from '../../db/schema/index.js';
import { canberraDate } from '../../domain/time.js';
import { addDays, canberraDayRange } from '../../domain/wall-clock.js';
import { recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { lessonsOutside, type OutsideAvailability } from './availability-changes.js';
import { addAvailabilityOverrideInput, removeAvailabilityOverrideInput, setAvailabilityRulesInput } from './availability-inputs.js';
import { isActiveBooking } from './availability.js';
import { lockDiary } from './diary.js';
import { overrideColumns, ruleColumns, type AvailabilityOverrideView, type AvailabilityRuleView } from './availability-views.js';

export type { OutsideAvailability };

/** The matrix cell first (staff), then: an instructor changes only their own diary. The instructor must exist. */
async function ownDiary(ctx: OperationContext, instructorId: string): Promise<void> {
  ctx.school();
  const a = ctx.actor;
  if (a.kind === 'instructor' && a.instructorId !== instructorId) throw new ForbiddenError('an instructor changes their own availability only');
  const [row] = await ctx.tx.select({ id: instructors.id }).from(instructors).where(eq(instructors.id, instructorId));
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
    .select({ id: bookings.id, startTime: bookings.startTime, endTime: bookings.endTime, status: bookings.status, createdAt: bookings.createdAt })
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
    .select({
      dayOfWeek: availabilityRules.dayOfWeek, startTime: availabilityRules.startTime, endTime: availabilityRules.endTime,
      effectiveFrom: availabilityRules.effectiveFrom, effectiveUntil: availabilityRules.effectiveUntil, isActive: availabilityRules.isActive,
    })
    .from(availabilityRules)
    .where(and(eq(availabilityRules.instructorId, instructorId), eq(availabilityRules.isActive, true), lte(availabilityRules.effectiveFrom, last), or(isNull(availabilityRules.effectiveUntil), gte(availabilityRules.effectiveUntil, first))));
  const overrides = await ctx.tx
    .select({ date: availabilityOverrides.date, startTime: availabilityOverrides.startTime, endTime: availabilityOverrides.endTime, overrideType: availabilityOverrides.overrideType })
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
    await ownDiary(ctx, input.instructorId);
    const from = input.effectiveFrom ?? canberraDate(new Date());
    notPast('effectiveFrom', from);
    await lockDiary(ctx.tx, input.instructorId);
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

/** The booked lessons touching the Canberra `date` that are outside availability now. */
function outsideOn(ctx: OperationContext, instructorId: string, date: string) {
  const day = canberraDayRange(date);
  return bookedOutside(ctx, instructorId, new Date(day.start), new Date(day.end));
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
    await ownDiary(ctx, input.instructorId);
    notPast('date', input.date);
    await lockDiary(ctx.tx, input.instructorId);
    const [override] = await ctx.tx
      .insert(availabilityOverrides)
      .values({
        instructorId: input.instructorId, date: input.date, startTime: input.startTime ?? null, endTime: input.endTime ?? null,
        overrideType: input.overrideType, reason: input.reason ?? null,
      })
      .returning(overrideColumns);
    const outside = await outsideOn(ctx, input.instructorId, input.date);
    await recordAudit(ctx, {
      eventType: 'AVAILABILITY_OVERRIDE_ADDED',
      subjectType: 'instructor',
      subjectId: input.instructorId,
      details: { overrideId: override.id, date: override.date, startTime: override.startTime, endTime: override.endTime, overrideType: override.overrideType, outsideAvailability: outsideDetails(outside) },
    });
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
    const [found] = await ctx.tx.select(overrideColumns).from(availabilityOverrides).where(eq(availabilityOverrides.id, overrideId));
    const a = ctx.actor;
    // another instructor's override does not exist for an instructor
    if (!found || (a.kind === 'instructor' && found.instructorId !== a.instructorId)) throw new NotFoundError(`availability override ${overrideId} not found`);
    notPast('overrideId', found.date);
    await lockDiary(ctx.tx, found.instructorId);
    const [removed] = await ctx.tx.delete(availabilityOverrides).where(eq(availabilityOverrides.id, overrideId)).returning(overrideColumns);
    if (!removed) throw new NotFoundError(`availability override ${overrideId} not found`); // removed meanwhile
    const outside = await outsideOn(ctx, removed.instructorId, removed.date);
    await recordAudit(ctx, {
      eventType: 'AVAILABILITY_OVERRIDE_REMOVED',
      subjectType: 'instructor',
      subjectId: removed.instructorId,
      details: { overrideId, date: removed.date, startTime: removed.startTime, endTime: removed.endTime, overrideType: removed.overrideType, reason: removed.reason, outsideAvailability: outsideDetails(outside) },
    });
    return { override: removed, outsideAvailability: outside };
  },
});
