// What changing an instructor's availability means, as plain functions over plain data (the pure core
// of ./set-availability.ts, tested alone in tests/availability-changes.test.ts): the weekly rules of one
// day may not overlap, and after a change, which booked lessons no longer lie inside the open time
// (they are reported, never cancelled: the school decides what to do with them).
import { canberraDate } from '../../domain/time.js';
import { addDays, timeOfDayMs } from '../../domain/wall-clock.js';
import { containing, openTime, type OverrideInput, type RuleInput } from './availability.js';

export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

export interface WeeklyRule {
  readonly dayOfWeek: number;
  readonly startTime: string;
  readonly endTime: string;
}

export interface RuleOverlap {
  readonly dayOfWeek: number;
  /** Indexes into the rules given, first < second. */
  readonly first: number;
  readonly second: number;
}

/**
 * The pairs of rules of one weekday whose wall-clock ranges overlap. Ranges are half-open:
 * 09:00-12:00 and 12:00-15:00 touch and do not overlap. Each rule overlapping an earlier one is
 * reported once, against the earliest-starting rule it overlaps.
 */
export function overlappingRules(rules: readonly WeeklyRule[]): RuleOverlap[] {
  const overlaps: RuleOverlap[] = [];
  const order = rules.map((r, i) => ({ i, day: r.dayOfWeek, start: timeOfDayMs(r.startTime), end: timeOfDayMs(r.endTime) }));
  order.sort((a, b) => a.day - b.day || a.start - b.start || a.i - b.i);
  for (let k = 1; k < order.length; k++) {
    const r = order[k];
    // the earliest-starting rule of this day still open at r's start
    const hit = order.slice(0, k).find((p) => p.day === r.day && p.end > r.start);
    if (hit) overlaps.push({ dayOfWeek: r.day, first: Math.min(hit.i, r.i), second: Math.max(hit.i, r.i) });
  }
  return overlaps.sort((a, b) => a.second - b.second);
}

export interface BookedLesson {
  readonly id: string;
  readonly startTime: Date;
  readonly endTime: Date;
}

export interface OutsideAvailability {
  readonly bookingId: string;
  readonly start: Date;
  readonly end: Date;
}

/**
 * The lessons not entirely inside the open time the rules and overrides give (the same open time
 * getAvailableSlots uses: ./availability.ts openTime), in the order given.
 */
export function lessonsOutside(rules: readonly RuleInput[], overrides: readonly OverrideInput[], lessons: readonly BookedLesson[]): OutsideAvailability[] {
  if (lessons.length === 0) return [];
  const first = addDays(lessons.map((b) => canberraDate(b.startTime)).reduce((a, b) => (a < b ? a : b)), -1);
  const last = addDays(lessons.map((b) => canberraDate(b.endTime)).reduce((a, b) => (a > b ? a : b)), 1);
  const open = openTime(rules, overrides, first, last);
  return lessons
    .filter((b) => !containing(open, b.startTime.getTime(), b.endTime.getTime()))
    .map((b) => ({ bookingId: b.id, start: b.startTime, end: b.endTime }));
}
