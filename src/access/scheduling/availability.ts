// Availability as a pure function: from an instructor's weekly rules, one-off overrides and bookings,
// the instructor's buffer and daily cap, the service's duration and notice, and "now", which lesson
// start times are bookable. No database: getAvailableSlots (./slots.ts) and createBooking load the rows
// and call these, so the algorithm is tested on its own (tests/availability.test.ts, with property
// tests) as well as through the database. docs/scheduling.md describes it step by step.
import type { BookingStatus } from '../../db/types.js';
import { canberraDate } from '../../domain/time.js';
import {
  addDays, datesBetween, DAY_MS, HOUR_MS, MINUTE_MS, timeOfDayMs, wallClockRanges, weekdayOf, type InstantRange,
} from '../../domain/wall-clock.js';
import { SCHEDULING, type SchedulingSettings } from './rules.js';

export interface RuleInput {
  readonly dayOfWeek: number;
  readonly startTime: string;
  readonly endTime: string;
  readonly effectiveFrom: string;
  readonly effectiveUntil: string | null;
  readonly isActive: boolean;
}

export interface OverrideInput {
  readonly date: string;
  /** NULL with endTime NULL: the whole day. */
  readonly startTime: string | null;
  readonly endTime: string | null;
  readonly overrideType: 'blocked' | 'available';
}

export interface BookingInput {
  readonly id?: string;
  readonly startTime: Date;
  readonly endTime: Date;
  readonly status: BookingStatus;
  /** When it was made: a pending booking holds its slot for SCHEDULING.holdMinutes from here. */
  readonly createdAt: Date;
}

export interface AvailabilityData {
  readonly rules: readonly RuleInput[];
  readonly overrides: readonly OverrideInput[];
  readonly bookings: readonly BookingInput[];
  readonly instructor: { readonly defaultBufferMinutes: number; readonly maxLessonsPerDay: number };
  readonly service: { readonly durationMinutes: number; readonly minNoticeHours: number };
  readonly now: Date;
  readonly settings?: SchedulingSettings;
}

export interface Slot {
  start: Date;
  end: Date;
}

/** Why a start time cannot be booked, checked in this order. */
export const SLOT_REFUSAL_REASONS = [
  'off_grid', // not on the SCHEDULING.gridMinutes grid of the Canberra clock
  'notice', // starts before now + the service's min_notice_hours (or in the past)
  'horizon', // starts more than SCHEDULING.horizonDays after now
  'outside_hours', // the lesson is not entirely inside the instructor's available time
  'taken', // overlaps an active booking
  'hold', // overlaps a pending booking whose hold has not expired
  'buffer', // within default_buffer_minutes of an active booking, before or after
  'daily_cap', // the Canberra date already holds max_lessons_per_day active bookings
] as const;
export type SlotRefusalReason = (typeof SLOT_REFUSAL_REASONS)[number];

// ─── Ranges of instants: sorted, disjoint, half-open ───

function normalize(ranges: InstantRange[]): InstantRange[] {
  const sorted = ranges.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const out: InstantRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) {
      if (r.end > last.end) out[out.length - 1] = { start: last.start, end: r.end };
    } else out.push(r);
  }
  return out;
}

function subtract(from: InstantRange[], remove: InstantRange[]): InstantRange[] {
  const out: InstantRange[] = [];
  let j = 0;
  for (const r of from) {
    let start = r.start;
    while (j < remove.length && remove[j].end <= start) j++;
    for (let k = j; k < remove.length && remove[k].start < r.end; k++) {
      if (remove[k].start > start) out.push({ start, end: remove[k].start });
      start = Math.max(start, remove[k].end);
    }
    if (start < r.end) out.push({ start, end: r.end });
  }
  return out;
}

/** The range of `ranges` (normalized) that contains [start, end) whole, if any. */
export function containing(ranges: InstantRange[], start: number, end: number): InstantRange | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid].end <= start) lo = mid + 1;
    else if (ranges[mid].start > start) hi = mid - 1;
    else return ranges[mid].end >= end ? ranges[mid] : undefined;
  }
  return undefined;
}

// ─── The steps ───

function settingsOf(data: AvailabilityData): SchedulingSettings {
  return data.settings ?? SCHEDULING;
}

/** A booking blocks time unless cancelled or rescheduled, or pending past its hold. */
export function isActiveBooking(b: BookingInput, now: Date, settings: SchedulingSettings = SCHEDULING): boolean {
  if (b.status === 'cancelled' || b.status === 'rescheduled') return false;
  return !(b.status === 'pending' && isHoldExpired(b, now, settings));
}

/** A pending booking's hold has run out: it no longer blocks anything. */
export function isHoldExpired(b: Pick<BookingInput, 'createdAt'>, now: Date, settings: SchedulingSettings = SCHEDULING): boolean {
  return b.createdAt.getTime() + settings.holdMinutes * MINUTE_MS <= now.getTime();
}

/**
 * The instructor's available time on the Canberra dates first..last: for each date, the union of the
 * active weekly rules for its weekday whose effective dates include it, minus its `blocked` overrides
 * (NULL times: the whole day), plus its `available` overrides. Wall-clock ranges become instants by
 * wallClockRanges() (daylight saving: see src/domain/wall-clock.ts).
 */
export function openTime(rules: readonly RuleInput[], overrides: readonly OverrideInput[], first: string, last: string): InstantRange[] {
  const byDate = new Map<string, OverrideInput[]>();
  for (const o of overrides) {
    if (o.date < first || o.date > last) continue;
    byDate.set(o.date, [...(byDate.get(o.date) ?? []), o]);
  }
  const overrideRanges = (date: string, o: OverrideInput) =>
    o.startTime === null || o.endTime === null ? wallClockRanges(date, 0, DAY_MS) : wallClockRanges(date, timeOfDayMs(o.startTime), timeOfDayMs(o.endTime));

  const open: InstantRange[] = [];
  for (const date of datesBetween(first, last)) {
    const weekday = weekdayOf(date);
    let day = normalize(
      rules
        .filter((r) => r.isActive && r.dayOfWeek === weekday && r.effectiveFrom <= date && (r.effectiveUntil === null || date <= r.effectiveUntil))
        .flatMap((r) => wallClockRanges(date, timeOfDayMs(r.startTime), timeOfDayMs(r.endTime))),
    );
    const dayOverrides = byDate.get(date) ?? [];
    day = subtract(day, normalize(dayOverrides.filter((o) => o.overrideType === 'blocked').flatMap((o) => overrideRanges(date, o))));
    day = normalize([...day, ...dayOverrides.filter((o) => o.overrideType === 'available').flatMap((o) => overrideRanges(date, o))]);
    open.push(...day);
  }
  return normalize(open);
}

/** Everything the slot search and the refusal check share, for the Canberra dates first..last. */
function prepare(data: AvailabilityData, first: string, last: string) {
  const settings = settingsOf(data);
  const now = data.now.getTime();
  const bufferMs = data.instructor.defaultBufferMinutes * MINUTE_MS;
  const active = data.bookings.filter((b) => isActiveBooking(b, data.now, settings));
  const lessonsPerDay = new Map<string, number>();
  for (const b of active) {
    const date = canberraDate(b.startTime);
    lessonsPerDay.set(date, (lessonsPerDay.get(date) ?? 0) + 1);
  }
  return {
    settings,
    active,
    open: openTime(data.rules, data.overrides, first, last),
    busy: normalize(active.map((b) => ({ start: b.startTime.getTime() - bufferMs, end: b.endTime.getTime() + bufferMs }))),
    lessonsPerDay,
    durationMs: data.service.durationMinutes * MINUTE_MS,
    gridMs: settings.gridMinutes * MINUTE_MS,
    earliest: now + data.service.minNoticeHours * HOUR_MS,
    latest: now + settings.horizonDays * DAY_MS,
    cap: data.instructor.maxLessonsPerDay,
  };
}

/**
 * The bookable lessons whose start lies in [from, to), in time order: start times on the grid, from
 * now + notice to now + horizon, each lesson inside the open time and clear of every active booking
 * widened by the buffer on both sides, on Canberra dates under the daily cap. Every slot returned is
 * one slotRefusal() accepts, and every grid start in [from, to) it accepts is returned.
 */
export function availableSlots(data: AvailabilityData, from: Date, to: Date): Slot[] {
  const lower = from.getTime();
  const upper = to.getTime();
  if (!(upper > lower)) return [];
  const firstDate = canberraDate(from);
  const lastDate = addDays(canberraDate(new Date(upper)), 1); // a lesson may run past midnight
  const p = prepare(data, firstDate, lastDate);
  const free = subtract(p.open, p.busy);
  const slots: Slot[] = [];
  const startAt = Math.max(lower, p.earliest);
  for (const range of free) {
    let s = Math.ceil(Math.max(range.start, startAt) / p.gridMs) * p.gridMs;
    for (; s + p.durationMs <= range.end && s < upper && s <= p.latest; s += p.gridMs) {
      const date = canberraDate(new Date(s));
      if ((p.lessonsPerDay.get(date) ?? 0) >= p.cap) continue;
      slots.push({ start: new Date(s), end: new Date(s + p.durationMs) });
    }
    if (s >= upper || s > p.latest) break;
  }
  return slots;
}

/** Why a lesson starting at `start` cannot be booked (SLOT_REFUSAL_REASONS order), or null if it can. */
export function slotRefusal(data: AvailabilityData, start: Date): SlotRefusalReason | null {
  const s = start.getTime();
  const date = canberraDate(start);
  const p = prepare(data, addDays(date, -1), addDays(date, 1));
  const e = s + p.durationMs;
  if (s % p.gridMs !== 0) return 'off_grid';
  if (s < p.earliest) return 'notice';
  if (s > p.latest) return 'horizon';
  if (!containing(p.open, s, e)) return 'outside_hours';
  const overlapping = p.active.filter((b) => b.startTime.getTime() < e && b.endTime.getTime() > s);
  if (overlapping.some((b) => b.status !== 'pending')) return 'taken';
  if (overlapping.length > 0) return 'hold';
  if (!containing(subtract([{ start: s, end: e }], p.busy), s, e)) return 'buffer';
  if ((p.lessonsPerDay.get(date) ?? 0) >= p.cap) return 'daily_cap';
  return null;
}
