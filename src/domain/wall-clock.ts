// Canberra wall-clock times and the instants they name, across daylight saving. Availability rules and
// overrides are wall-clock times on a Canberra date ("Mondays 09:00-12:00"); bookings are instants.
// The conversion is the Temporal API (temporal-polyfill: start of day, UTC offsets, transitions), with
// the time-zone rules of Node's own ICU data; this file only composes it.
//
// The rule for every wall-clock range: it covers exactly the instants at which a Canberra clock on that
// date shows a time in [from, to). So on the first Sunday of October (02:00 -> 03:00, the missing hour)
// a range 01:00-04:00 lasts 2 real hours and one that starts or ends inside 02:00-03:00 starts or ends
// at the jump (03:00 AEDT); on the first Sunday of April (03:00 -> 02:00, the repeated hour) 01:00-04:00
// lasts 4 real hours, and 02:00-03:00 is covered twice (AEDT, then AEST). docs/scheduling.md has examples.
import { Temporal } from 'temporal-polyfill';
import { BUSINESS_TIME_ZONE } from './rules.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** A half-open range of instants [start, end), in epoch milliseconds. */
export interface InstantRange {
  readonly start: number;
  readonly end: number;
}

/** A stretch of one Canberra date with a single UTC offset. */
interface DaySegment {
  readonly start: number;
  readonly end: number;
  readonly offsetMs: number;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function dateParts(date: string): [number, number, number] {
  const m = ISO_DATE.exec(date);
  if (!m) throw new TypeError(`expected a date like 2026-10-04, got "${date}"`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Midnight UTC of the calendar date: the origin of its wall-clock arithmetic (no time zone involved). */
function utcMidnight(date: string): number {
  const [y, m, d] = dateParts(date);
  return Date.UTC(y, m - 1, d);
}

/** The calendar date `days` after `date` (negative: before). */
export function addDays(date: string, days: number): string {
  return new Date(utcMidnight(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday, of the calendar date itself (never the server's time zone). */
export function weekdayOf(date: string): number {
  return new Date(utcMidnight(date)).getUTCDay();
}

/** Every calendar date from `first` to `last`, both included. */
export function datesBetween(first: string, last: string): string[] {
  const dates: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) dates.push(d);
  return dates;
}

/**
 * A PostgreSQL `time` value ('09:00', '09:00:00', '17:30:15.5', '24:00:00') as milliseconds after
 * midnight, 0 to 24 hours. '24:00' is the end of the day.
 */
export function timeOfDayMs(time: string): number {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/.exec(time);
  if (!m) throw new TypeError(`expected a time like 09:00:00, got "${time}"`);
  const ms = Number(m[1]) * HOUR_MS + Number(m[2]) * MINUTE_MS + Number(m[3] ?? 0) * 1000 + Math.round(Number(m[4] ?? 0) * 1000);
  if (Number(m[2]) > 59 || Number(m[3] ?? 0) > 59 || ms > DAY_MS) throw new TypeError(`not a time of day: "${time}"`);
  return ms;
}

const startOfDayCache = new Map<string, number>();

/** The first instant of a Canberra date (midnight exists on every Canberra date: the changes are at 02:00 and 03:00). */
export function startOfCanberraDay(date: string): number {
  let start = startOfDayCache.get(date);
  if (start === undefined) {
    dateParts(date);
    start = Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: BUSINESS_TIME_ZONE }).epochMilliseconds;
    if (startOfDayCache.size > 10_000) startOfDayCache.clear();
    startOfDayCache.set(date, start);
  }
  return start;
}

const segmentCache = new Map<string, readonly DaySegment[]>();

/** The instants of a Canberra date, split where its UTC offset changes (one segment, or two on the
 *  days daylight saving starts or ends). */
function daySegments(date: string): readonly DaySegment[] {
  const cached = segmentCache.get(date);
  if (cached) return cached;
  const dayEnd = startOfCanberraDay(addDays(date, 1));
  const segments: DaySegment[] = [];
  for (let start = startOfCanberraDay(date); start < dayEnd; ) {
    const here = Temporal.Instant.fromEpochMilliseconds(start).toZonedDateTimeISO(BUSINESS_TIME_ZONE);
    const next = here.getTimeZoneTransition('next');
    const end = next && next.epochMilliseconds < dayEnd ? next.epochMilliseconds : dayEnd;
    segments.push({ start, end, offsetMs: here.offsetNanoseconds / 1e6 });
    start = end;
  }
  if (segmentCache.size > 10_000) segmentCache.clear();
  segmentCache.set(date, segments);
  return segments;
}

/**
 * The instants at which a Canberra clock on `date` shows a time in [fromMs, toMs) (milliseconds after
 * midnight, 0..24 h): one range on an ordinary day; on a daylight-saving day the part inside the
 * missing hour is absent, and the repeated hour contributes both of its passes (two ranges, or one
 * longer range when they touch). In time order.
 */
export function wallClockRanges(date: string, fromMs: number, toMs: number): InstantRange[] {
  const ranges: InstantRange[] = [];
  if (!(toMs > fromMs)) return ranges;
  const origin = utcMidnight(date);
  for (const seg of daySegments(date)) {
    // Within a segment, wall-clock time (ms after the date's midnight) = instant + offset - origin.
    const shift = seg.offsetMs - origin;
    const start = Math.max(seg.start, fromMs - shift);
    const end = Math.min(seg.end, toMs - shift);
    if (end > start) {
      const last = ranges[ranges.length - 1];
      if (last && last.end === start) ranges[ranges.length - 1] = { start: last.start, end };
      else ranges.push({ start, end });
    }
  }
  return ranges;
}

/** The whole Canberra date as a range of instants (23, 24 or 25 hours long). */
export function canberraDayRange(date: string): InstantRange {
  return { start: startOfCanberraDay(date), end: startOfCanberraDay(addDays(date, 1)) };
}

/**
 * The instant a Canberra clock first shows `time` on `date` ('09:00'); for a time inside the missing
 * hour, the instant of the jump. For tests, fixtures and the examples in docs/scheduling.md.
 */
export function canberraInstant(date: string, time: string): Date {
  const ms = timeOfDayMs(time);
  const [first] = wallClockRanges(date, ms, DAY_MS + 1);
  return new Date(first?.start ?? startOfCanberraDay(addDays(date, 1)));
}

const wallClockFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: BUSINESS_TIME_ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

/** The Canberra wall-clock time of an instant, 'HH:MM:SS'. */
export function canberraTimeOfDay(instant: Date): string {
  return wallClockFormat.format(instant);
}
