// The inputs of the availability operations (./set-availability.ts): Canberra wall-clock times, days
// 0 (Sunday) to 6, an end after the start, and no two weekly rules of one day overlapping (refused
// naming the day; the database's exclusion constraint availability_rules_no_overlap_excl holds it too).
import { z } from 'zod';
import { AVAILABILITY_OVERRIDE_TYPES } from '../../db/schema/enums.js';
import { timeOfDayMs } from '../../domain/wall-clock.js';
import { BUSINESS_YEARS, id, isoDate, text } from '../core/validation.js';
import { overlappingRules, WEEKDAY_NAMES } from './availability-changes.js';

const WALL_TIME = /^(?:(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?|24:00(?::00)?)$/;
export const isWallTime = (v: unknown): v is string => typeof v === 'string' && WALL_TIME.test(v);

/** A Canberra wall-clock time, HH:MM or HH:MM:SS, 00:00 to 24:00 (the end of the day). */
export const wallTime = () =>
  z
    .string('expected a time like 09:00')
    .regex(WALL_TIME, 'expected a time like 09:00 or 17:30 (24:00 is the end of the day)');

/** A calendar date the school's business can fall on. */
const businessDate = () =>
  isoDate().refine((d) => Number(d.slice(0, 4)) >= BUSINESS_YEARS.from && Number(d.slice(0, 4)) <= BUSINESS_YEARS.to, `expected a date in years ${BUSINESS_YEARS.from} to ${BUSINESS_YEARS.to}`);

// (refinements may see fields their own schema refused: those are reported there, not compared here)
export const endsAfterStart = (v: { startTime?: unknown; endTime?: unknown }) =>
  !isWallTime(v.startTime) || !isWallTime(v.endTime) || timeOfDayMs(v.endTime) > timeOfDayMs(v.startTime);

export const weeklyRuleInput = z
  .strictObject({ dayOfWeek: z.int('expected 0 (Sunday) to 6 (Saturday)').min(0).max(6), startTime: wallTime(), endTime: wallTime() })
  .refine(endsAfterStart, { path: ['endTime'], message: 'a rule ends after it starts' });

export const setAvailabilityRulesInput = z
  .strictObject({
    instructorId: id(),
    /** The whole week from effectiveFrom on; an empty list: no weekly hours from then. */
    rules: z.array(weeklyRuleInput).max(100, 'at most 100 rules'),
    /** The Canberra date the rules start (default: today); not in the past. */
    effectiveFrom: businessDate().optional(),
  })
  .superRefine((v, ctx) => {
    const comparable = v.rules.every((r) => r && Number.isInteger(r.dayOfWeek) && isWallTime(r.startTime) && isWallTime(r.endTime));
    if (!comparable) return;
    for (const o of overlappingRules(v.rules)) {
      ctx.addIssue({ code: 'custom', path: ['rules', o.second], message: `overlaps rules.${o.first} on ${WEEKDAY_NAMES[o.dayOfWeek]}` });
    }
  });

export const addAvailabilityOverrideInput = z
  .strictObject({
    instructorId: id(),
    date: businessDate(),
    /** Both or neither: neither is the whole day. */
    startTime: wallTime().optional(),
    endTime: wallTime().optional(),
    overrideType: z.enum(AVAILABILITY_OVERRIDE_TYPES),
    reason: text(500).optional(),
  })
  .refine((v) => (v.startTime === undefined) === (v.endTime === undefined), { path: ['endTime'], message: 'give both startTime and endTime, or neither for the whole day' })
  .refine(endsAfterStart, { path: ['endTime'], message: 'an override ends after it starts' });

export const removeAvailabilityOverrideInput = z.strictObject({ overrideId: id() });
