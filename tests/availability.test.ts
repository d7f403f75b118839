// The availability algorithm on its own (src/access/scheduling/availability.ts): plain data in, slots
// out, no database. Examples for each rule (daylight saving both ways in 2026 and 2027, overrides,
// buffers on both sides, the daily cap, notice, horizon, holds, the grid), then two property tests:
// the slots are exactly the grid starts slotRefusal() accepts, and exactly those an independent
// minute-by-minute reading of the rules (through Intl, not the Temporal code under test) allows.
import fc from './support/property.js';
import { describe, expect, it } from 'vitest';
import {
  availableSlots, slotRefusal, type AvailabilityData, type BookingInput, type OverrideInput, type RuleInput,
} from '../src/access/scheduling/availability.js';
import { SCHEDULING } from '../src/access/scheduling/rules.js';
import type { BookingStatus } from '../src/db/types.js';
import { canberraDate } from '../src/domain/time.js';
import { addDays, canberraDayRange, DAY_MS, HOUR_MS, MINUTE_MS, weekdayOf } from '../src/domain/wall-clock.js';

const at = (s: string) => new Date(s);
const everyDay = (start: string, end: string): RuleInput[] =>
  [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startTime: start, endTime: end, effectiveFrom: '2020-01-01', effectiveUntil: null, isActive: true }));
const booking = (start: string, minutes: number, extra: Partial<BookingInput> = {}): BookingInput => ({
  startTime: at(start), endTime: new Date(at(start).getTime() + minutes * MINUTE_MS), status: 'confirmed', createdAt: at('2020-01-01T00:00:00Z'), ...extra,
});

function data(overrides: Partial<AvailabilityData> = {}): AvailabilityData {
  return {
    rules: everyDay('09:00', '12:00'),
    overrides: [],
    bookings: [],
    instructor: { defaultBufferMinutes: 15, maxLessonsPerDay: 8 },
    service: { durationMinutes: 60, minNoticeHours: 0 },
    now: at('2020-01-01T00:00:00Z'),
    ...overrides,
  };
}

/** Slots of one Canberra date, as local ISO strings with their offset (what a Canberra clock shows). */
function slotsOn(d: AvailabilityData, date: string): string[] {
  const { start, end } = canberraDayRange(date);
  return availableSlots(d, new Date(start), new Date(end)).map((s) => local(s.start));
}
const localFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Australia/Canberra', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset',
});
function local(d: Date): string {
  const p = Object.fromEntries(localFormat.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}${p.timeZoneName.replace('GMT', '')}`;
}

describe('daylight saving: a 09:00-12:00 rule gives 09:00 local on both sides of each change', () => {
  it.each([
    ['2026-04-04', '+11:00'], ['2026-04-05', '+10:00'], ['2026-04-06', '+10:00'],
    ['2026-10-03', '+10:00'], ['2026-10-04', '+11:00'], ['2026-10-05', '+11:00'],
    ['2027-04-03', '+11:00'], ['2027-04-04', '+10:00'], ['2027-04-05', '+10:00'],
    ['2027-10-02', '+10:00'], ['2027-10-03', '+11:00'], ['2027-10-04', '+11:00'],
  ])('%s: nine 60-minute slots, 09:00 to 11:00 at UTC%s', (date, offset) => {
    const d = data({ now: new Date(Date.parse(`${date}T00:00:00Z`) - 10 * DAY_MS) });
    const slots = slotsOn(d, date as string);
    expect(slots).toHaveLength(9);
    expect(slots[0]).toBe(`${date}T09:00${offset}`);
    expect(slots[8]).toBe(`${date}T11:00${offset}`);
  });

  it('the weekday is the Canberra date\'s: a Sunday-only rule opens on Sunday 2026-10-04 local, which is Saturday in UTC', () => {
    const d = data({ rules: [{ dayOfWeek: 0, startTime: '07:00', endTime: '09:00', effectiveFrom: '2026-01-01', effectiveUntil: null, isActive: true }], now: at('2026-09-01T00:00:00Z') });
    expect(slotsOn(d, '2026-10-04')).toEqual(['2026-10-04T07:00+11:00', '2026-10-04T07:15+11:00', '2026-10-04T07:30+11:00', '2026-10-04T07:45+11:00', '2026-10-04T08:00+11:00']);
    expect(slotsOn(d, '2026-10-03')).toEqual([]);
  });
});

describe('a rule spanning the missing or the repeated hour', () => {
  const spanning = (date: string) => data({ rules: everyDay('01:00', '04:00'), instructor: { defaultBufferMinutes: 0, maxLessonsPerDay: 20 }, now: new Date(Date.parse(`${date}T00:00:00Z`) - 10 * DAY_MS) });

  it('01:00-04:00 on 2026-10-04 (missing 02:00-03:00) is 2 real hours: slots 01:00-01:45 AEST and 03:00 AEDT, each 60 real minutes', () => {
    const d = spanning('2026-10-04');
    expect(slotsOn(d, '2026-10-04')).toEqual(['2026-10-04T01:00+10:00', '2026-10-04T01:15+10:00', '2026-10-04T01:30+10:00', '2026-10-04T01:45+10:00', '2026-10-04T03:00+11:00']);
    const { start, end } = canberraDayRange('2026-10-04');
    for (const s of availableSlots(d, new Date(start), new Date(end))) expect(s.end.getTime() - s.start.getTime()).toBe(HOUR_MS);
  });

  it('01:00-04:00 on 2027-04-04 (02:00-03:00 twice) is 4 real hours: 13 slots, 02:00 to 02:45 offered in both passes', () => {
    const slots = slotsOn(spanning('2027-04-04'), '2027-04-04');
    expect(slots).toHaveLength(13);
    expect(slots.filter((s) => s.includes('T02:'))).toEqual([
      '2027-04-04T02:00+11:00', '2027-04-04T02:15+11:00', '2027-04-04T02:30+11:00', '2027-04-04T02:45+11:00',
      '2027-04-04T02:00+10:00', '2027-04-04T02:15+10:00', '2027-04-04T02:30+10:00', '2027-04-04T02:45+10:00',
    ]);
    expect(slots[12]).toBe('2027-04-04T03:00+10:00');
  });
});

describe('overrides', () => {
  const d0 = data({ now: at('2026-11-01T00:00:00Z') });
  it('a blocked override with no times closes the whole day', () => {
    expect(slotsOn({ ...d0, overrides: [{ date: '2026-12-01', startTime: null, endTime: null, overrideType: 'blocked' }] }, '2026-12-01')).toEqual([]);
  });

  it('a blocked 10:00-11:00 leaves only lessons outside it: 09:00 and 11:00', () => {
    const o: OverrideInput = { date: '2026-12-01', startTime: '10:00', endTime: '11:00', overrideType: 'blocked' };
    expect(slotsOn({ ...d0, overrides: [o] }, '2026-12-01')).toEqual(['2026-12-01T09:00+11:00', '2026-12-01T11:00+11:00']);
  });

  it('an available override opens a day without rules, and wins over a block of the same day', () => {
    const open: OverrideInput = { date: '2026-12-05', startTime: '14:00', endTime: '15:30', overrideType: 'available' };
    const closed: OverrideInput = { date: '2026-12-05', startTime: null, endTime: null, overrideType: 'blocked' };
    const d = { ...d0, rules: [] };
    expect(slotsOn({ ...d, overrides: [open] }, '2026-12-05')).toEqual(['2026-12-05T14:00+11:00', '2026-12-05T14:15+11:00', '2026-12-05T14:30+11:00']);
    expect(slotsOn({ ...d, overrides: [closed, open] }, '2026-12-05')).toHaveLength(3);
  });

  it('an available override extends a rule it touches: 09:00-12:00 plus 12:00-13:00 allows 12:00', () => {
    const more: OverrideInput = { date: '2026-12-01', startTime: '12:00', endTime: '13:00', overrideType: 'available' };
    expect(slotsOn({ ...d0, overrides: [more] }, '2026-12-01').at(-1)).toBe('2026-12-01T12:00+11:00');
  });

  it('rules apply only inside their effective dates and while active', () => {
    const rule = (r: Partial<RuleInput>): RuleInput => ({ dayOfWeek: 2, startTime: '09:00', endTime: '10:00', effectiveFrom: '2026-12-01', effectiveUntil: '2026-12-08', isActive: true, ...r });
    const on = (rules: RuleInput[], date: string) => slotsOn({ ...d0, rules }, date).length;
    expect(on([rule({})], '2026-12-01')).toBe(1); // Tuesday, first day
    expect(on([rule({})], '2026-12-08')).toBe(1); // last day included
    expect(on([rule({})], '2026-12-15')).toBe(0);
    expect(on([rule({ isActive: false })], '2026-12-01')).toBe(0);
    expect(on([rule({ effectiveUntil: null })], '2026-12-29')).toBe(1);
  });
});

describe('bookings, buffers and the daily cap', () => {
  const d0 = data({ rules: everyDay('08:00', '14:00'), now: at('2026-11-01T00:00:00Z') });

  it('keeps the 15-minute buffer on both sides of a 10:00-11:00 booking: 08:45 and 11:15 are free, 09:00 to 11:00 are not', () => {
    const d = { ...d0, bookings: [booking('2026-12-01T10:00:00+11:00', 60)] };
    const slots = slotsOn(d, '2026-12-01');
    expect(slots).toContain('2026-12-01T08:45+11:00');
    expect(slots).toContain('2026-12-01T11:15+11:00');
    for (const t of ['09:00', '09:15', '09:45', '10:00', '10:45', '11:00']) expect(slots).not.toContain(`2026-12-01T${t}+11:00`);
    expect(slotRefusal(d, at('2026-12-01T09:00:00+11:00'))).toBe('buffer'); // ends at 10:00: no gap before the booking
    expect(slotRefusal(d, at('2026-12-01T10:30:00+11:00'))).toBe('taken');
    expect(slotRefusal(d, at('2026-12-01T11:00:00+11:00'))).toBe('buffer'); // starts as it ends: no gap after it
    expect(slotRefusal(d, at('2026-12-01T11:15:00+11:00'))).toBeNull();
  });

  it('ignores cancelled and rescheduled bookings', () => {
    for (const status of ['cancelled', 'rescheduled'] as const) {
      const d = { ...d0, bookings: [booking('2026-12-01T10:00:00+11:00', 60, { status })] };
      expect(slotRefusal(d, at('2026-12-01T10:00:00+11:00'))).toBeNull();
    }
  });

  it('counts lessons, not start times, against max_lessons_per_day: 2 of 2 close the Canberra date, not the next', () => {
    const d = {
      ...d0,
      instructor: { defaultBufferMinutes: 15, maxLessonsPerDay: 2 },
      bookings: [booking('2026-12-01T08:00:00+11:00', 60), booking('2026-12-01T13:00:00+11:00', 60, { status: 'completed' })],
    };
    expect(slotsOn(d, '2026-12-01')).toEqual([]);
    expect(slotRefusal(d, at('2026-12-01T10:30:00+11:00'))).toBe('daily_cap');
    expect(slotsOn(d, '2026-12-02')).toHaveLength(21);
  });

  it('a booking late on the UTC date of the next Canberra day counts for its Canberra date (scheduled_date)', () => {
    const d = { ...d0, instructor: { defaultBufferMinutes: 0, maxLessonsPerDay: 1 }, bookings: [booking('2026-12-01T23:00:00Z', 60)] }; // 2026-12-02 10:00 local
    expect(slotsOn(d, '2026-12-02')).toEqual([]);
    expect(slotsOn(d, '2026-12-01')).toHaveLength(21);
  });

  it('a pending booking holds its slot for 30 minutes after it was made, then blocks nothing', () => {
    const now = at('2026-11-30T12:00:00Z');
    const made = (minutesAgo: number) => booking('2026-12-01T10:00:00+11:00', 60, { status: 'pending', createdAt: new Date(now.getTime() - minutesAgo * MINUTE_MS) });
    expect(slotRefusal({ ...d0, now, bookings: [made(SCHEDULING.holdMinutes - 1)] }, at('2026-12-01T10:00:00+11:00'))).toBe('hold');
    expect(slotRefusal({ ...d0, now, bookings: [made(SCHEDULING.holdMinutes)] }, at('2026-12-01T10:00:00+11:00'))).toBeNull();
  });
});

describe('notice, horizon and the grid', () => {
  it('no slot starts before now + min_notice_hours: with 24 h notice at 10:07 the first is 10:15 the next day', () => {
    const d = data({ rules: everyDay('08:00', '18:00'), service: { durationMinutes: 60, minNoticeHours: 24 }, now: at('2026-12-01T10:07:00+11:00') });
    expect(slotsOn(d, '2026-12-01')).toEqual([]);
    expect(slotsOn(d, '2026-12-02')[0]).toBe('2026-12-02T10:15+11:00');
    expect(slotRefusal(d, at('2026-12-02T10:00:00+11:00'))).toBe('notice');
  });

  it('no slot starts more than 60 days after now: the last is exactly now + 60 days', () => {
    const now = at('2026-12-01T10:00:00+11:00');
    const d = data({ rules: everyDay('08:00', '18:00'), now });
    const latest = new Date(now.getTime() + SCHEDULING.horizonDays * DAY_MS);
    const slots = availableSlots(d, now, new Date(now.getTime() + 90 * DAY_MS));
    expect(slots.at(-1)!.start).toEqual(latest);
    expect(slotRefusal(d, latest)).toBeNull();
    expect(slotRefusal(d, new Date(latest.getTime() + 15 * MINUTE_MS))).toBe('horizon');
  });

  it('start times are quarter hours of the Canberra clock; anything else is off_grid', () => {
    const d = data({ now: at('2026-11-01T00:00:00Z') });
    for (const s of availableSlots(d, at('2026-12-01T00:00:00Z'), at('2026-12-08T00:00:00Z'))) expect(Number(local(s.start).slice(14, 16)) % 15).toBe(0);
    expect(slotRefusal(d, at('2026-12-01T09:05:00+11:00'))).toBe('off_grid');
  });

  it('a lesson must fit inside the open time: 11:15 is outside_hours for a 60-minute lesson when the rule ends at 12:00', () => {
    const d = data({ now: at('2026-11-01T00:00:00Z') });
    expect(slotRefusal(d, at('2026-12-01T11:00:00+11:00'))).toBeNull();
    expect(slotRefusal(d, at('2026-12-01T11:15:00+11:00'))).toBe('outside_hours');
  });

  it('returns slots starting in [from, to) in time order, and nothing for an empty window', () => {
    const d = data({ now: at('2026-11-01T00:00:00Z') });
    const slots = availableSlots(d, at('2026-12-01T09:30:00+11:00'), at('2026-12-02T09:30:00+11:00'));
    expect(local(slots[0].start)).toBe('2026-12-01T09:30+11:00');
    expect(local(slots.at(-1)!.start)).toBe('2026-12-02T09:15+11:00');
    expect(slots.map((s) => s.start.getTime())).toEqual([...slots.map((s) => s.start.getTime())].sort((a, b) => a - b));
    expect(availableSlots(d, at('2026-12-02T00:00:00Z'), at('2026-12-02T00:00:00Z'))).toEqual([]);
  });
});

// ─── Property tests ───

const STATUSES: BookingStatus[] = ['pending', 'confirmed', 'in_progress', 'completed', 'cancelled', 'no_show', 'rescheduled'];
/** Around both changes of 2026 and 2027, and an ordinary winter day. */
const BASE_DATES = ['2026-04-05', '2026-10-04', '2027-04-04', '2027-10-03', '2026-07-15'];

const quarter = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((q) => q * 15); // minutes, quarter hours
const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00`;
const wallRange = fc.tuple(quarter(0, 95), quarter(1, 96)).filter(([a, b]) => b > a).map(([a, b]) => [hhmm(a), hhmm(b)] as const);

const scenario = fc.record({
  base: fc.constantFrom(...BASE_DATES),
  rules: fc.array(
    fc.record({ dayOfWeek: fc.integer({ min: 0, max: 6 }), times: wallRange, from: fc.integer({ min: -3, max: 2 }), until: fc.option(fc.integer({ min: -1, max: 4 })), isActive: fc.boolean() }),
    { maxLength: 5 },
  ),
  overrides: fc.array(
    fc.record({ day: fc.integer({ min: -1, max: 2 }), times: fc.option(wallRange), overrideType: fc.constantFrom('blocked' as const, 'available' as const) }),
    { maxLength: 4 },
  ),
  bookings: fc.array(
    fc.record({ offsetMinutes: fc.integer({ min: -24 * 12, max: 4 * 24 * 12 }).map((n) => n * 5), minutes: fc.constantFrom(30, 45, 60, 90, 120), status: fc.constantFrom(...STATUSES), madeMinutesAgo: fc.integer({ min: 0, max: 60 }) }),
    { maxLength: 6 },
  ),
  buffer: fc.integer({ min: 0, max: 6 }).map((n) => n * 5),
  cap: fc.integer({ min: 1, max: 4 }),
  duration: fc.constantFrom(30, 45, 60, 90, 120),
  notice: fc.constantFrom(0, 1, 24, 48),
  nowOffsetMinutes: fc.integer({ min: -4 * 24 * 4, max: 2 * 24 * 4 }).map((n) => n * 15),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function build(s: Scenario) {
  const windowStart = canberraDayRange(addDays(s.base, -1)).start;
  const windowEnd = canberraDayRange(addDays(s.base, 1)).end;
  const now = new Date(windowStart + s.nowOffsetMinutes * MINUTE_MS);
  const d: AvailabilityData = {
    rules: s.rules.map((r) => ({
      dayOfWeek: r.dayOfWeek, startTime: r.times[0], endTime: r.times[1], isActive: r.isActive,
      effectiveFrom: addDays(s.base, r.from), effectiveUntil: r.until === null ? null : addDays(s.base, Math.max(r.from, r.until)),
    })),
    overrides: s.overrides.map((o) => ({ date: addDays(s.base, o.day), startTime: o.times?.[0] ?? null, endTime: o.times?.[1] ?? null, overrideType: o.overrideType })),
    bookings: s.bookings.map((b) => {
      const start = windowStart + b.offsetMinutes * MINUTE_MS;
      return { startTime: new Date(start), endTime: new Date(start + b.minutes * MINUTE_MS), status: b.status, createdAt: new Date(now.getTime() - b.madeMinutesAgo * MINUTE_MS) };
    }),
    instructor: { defaultBufferMinutes: s.buffer, maxLessonsPerDay: s.cap },
    service: { durationMinutes: s.duration, minNoticeHours: s.notice },
    now,
  };
  return { d, from: new Date(windowStart), to: new Date(windowEnd) };
}

/** The rules read minute by minute off a Canberra clock (Intl), independently of wall-clock.ts. */
const clock = new Intl.DateTimeFormat('en-CA', { timeZone: 'Australia/Canberra', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const clockCache = new Map<number, { date: string; minute: number }>();
function readClock(ms: number) {
  let r = clockCache.get(ms);
  if (!r) {
    const p = Object.fromEntries(clock.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    r = { date: `${p.year}-${p.month}-${p.day}`, minute: Number(p.hour) * 60 + Number(p.minute) };
    clockCache.set(ms, r);
  }
  return r;
}
const minutesOf = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

function openAt(d: AvailabilityData, ms: number): boolean {
  const { date, minute } = readClock(ms);
  const inside = (from: string | null, to: string | null) => from === null || to === null || (minutesOf(from) <= minute && minute < minutesOf(to));
  const ruled = d.rules.some(
    (r) => r.isActive && r.dayOfWeek === weekdayOf(date) && r.effectiveFrom <= date && (r.effectiveUntil === null || date <= r.effectiveUntil) && inside(r.startTime, r.endTime),
  );
  const marked = (type: 'blocked' | 'available') => d.overrides.some((o) => o.date === date && o.overrideType === type && inside(o.startTime, o.endTime));
  return (ruled && !marked('blocked')) || marked('available');
}

function oracleAccepts(d: AvailabilityData, s: number): boolean {
  const dur = d.service.durationMinutes * MINUTE_MS;
  const buf = d.instructor.defaultBufferMinutes * MINUTE_MS;
  const now = d.now.getTime();
  if (s < now + d.service.minNoticeHours * HOUR_MS || s > now + SCHEDULING.horizonDays * DAY_MS) return false;
  for (let m = s; m < s + dur; m += MINUTE_MS) if (!openAt(d, m)) return false;
  const active = d.bookings.filter((b) => b.status !== 'cancelled' && b.status !== 'rescheduled' && !(b.status === 'pending' && b.createdAt.getTime() + SCHEDULING.holdMinutes * MINUTE_MS <= now));
  if (active.some((b) => b.startTime.getTime() - buf < s + dur && b.endTime.getTime() + buf > s)) return false;
  const day = canberraDate(new Date(s));
  return active.filter((b) => canberraDate(b.startTime) === day).length < d.instructor.maxLessonsPerDay;
}

function gridStarts(from: Date, to: Date): number[] {
  const grid = SCHEDULING.gridMinutes * MINUTE_MS;
  const starts: number[] = [];
  for (let s = Math.ceil(from.getTime() / grid) * grid; s < to.getTime(); s += grid) starts.push(s);
  return starts;
}

describe('properties', () => {
  it('the slots are exactly the grid starts in [from, to) that slotRefusal accepts', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { d, from, to } = build(s);
        const slots = new Set(availableSlots(d, from, to).map((x) => x.start.getTime()));
        for (const start of gridStarts(from, to)) expect(slots.has(start)).toBe(slotRefusal(d, new Date(start)) === null);
      }),
      { numRuns: 150 },
    );
  });

  it('the slots are exactly the grid starts a minute-by-minute reading of the Canberra clock allows', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { d, from, to } = build(s);
        const slots = availableSlots(d, from, to);
        const got = slots.map((x) => x.start.getTime());
        expect(got).toEqual([...got].sort((a, b) => a - b));
        for (const x of slots) expect(x.end.getTime() - x.start.getTime()).toBe(d.service.durationMinutes * MINUTE_MS);
        const want = gridStarts(from, to).filter((start) => oracleAccepts(d, start));
        expect(got).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });
});
