// Canberra wall-clock ranges as instants (src/domain/wall-clock.ts), on ordinary days and on both
// daylight-saving changes of 2026 and 2027: daylight saving starts on the first Sunday of October
// (02:00 AEST -> 03:00 AEDT, a missing hour) and ends on the first Sunday of April (03:00 AEDT ->
// 02:00 AEST, a repeated hour). No database.
import { describe, expect, it } from 'vitest';
import {
  addDays, canberraDayRange, canberraInstant, canberraTimeOfDay, datesBetween, DAY_MS, HOUR_MS, timeOfDayMs, wallClockRanges, weekdayOf,
} from '../src/domain/wall-clock.js';

const H = HOUR_MS;
const iso = (ms: number) => new Date(ms).toISOString();
const ranges = (date: string, from: string, to: string) =>
  wallClockRanges(date, timeOfDayMs(from), timeOfDayMs(to)).map((r) => [iso(r.start), iso(r.end)]);

describe('calendar dates', () => {
  it('knows the weekday of a date from the date alone: the first Sundays of April and October 2026 and 2027 are Sundays (0)', () => {
    for (const date of ['2026-04-05', '2026-10-04', '2027-04-04', '2027-10-03']) expect(weekdayOf(date)).toBe(0);
    expect(weekdayOf('2026-12-01')).toBe(2);
  });

  it('steps over month and year ends: 2026-12-31 + 1 = 2027-01-01, 2028-02-28 + 1 = 2028-02-29', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-01-01', -1)).toBe('2026-12-31');
    expect(datesBetween('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
  });

  it('reads PostgreSQL times, 24:00 included, and refuses anything else', () => {
    expect(timeOfDayMs('09:00')).toBe(9 * H);
    expect(timeOfDayMs('09:30:15')).toBe(9 * H + 30 * 60_000 + 15_000);
    expect(timeOfDayMs('24:00:00')).toBe(DAY_MS);
    for (const bad of ['9:00', '24:01:00', '10:60:00', 'noon']) expect(() => timeOfDayMs(bad)).toThrow(TypeError);
  });
});

describe('days of 23, 24 and 25 hours', () => {
  it.each([
    ['2026-10-04', 23], ['2027-10-03', 23], ['2026-04-05', 25], ['2027-04-04', 25], ['2026-07-15', 24], ['2026-12-25', 24],
  ])('%s lasts %i hours', (date, hours) => {
    const { start, end } = canberraDayRange(date as string);
    expect((end - start) / H).toBe(hours);
  });
});

describe('09:00-12:00 is 09:00-12:00 on the Canberra clock on both sides of each change', () => {
  it.each([
    // [date, offset that day]: the Saturday before, the Sunday of the change, the Monday after
    ['2026-04-04', '+11:00'], ['2026-04-05', '+10:00'], ['2026-04-06', '+10:00'],
    ['2026-10-03', '+10:00'], ['2026-10-04', '+11:00'], ['2026-10-05', '+11:00'],
    ['2027-04-03', '+11:00'], ['2027-04-04', '+10:00'], ['2027-04-05', '+10:00'],
    ['2027-10-02', '+10:00'], ['2027-10-03', '+11:00'], ['2027-10-04', '+11:00'],
  ])('%s (UTC%s)', (date, offset) => {
    expect(ranges(date as string, '09:00', '12:00')).toEqual([[iso(Date.parse(`${date}T09:00:00${offset}`)), iso(Date.parse(`${date}T12:00:00${offset}`))]]);
  });
});

describe('a range across the missing hour (first Sunday of October)', () => {
  it('01:00-04:00 on 2026-10-04 is 2 real hours: 01:00 AEST to 04:00 AEDT', () => {
    expect(ranges('2026-10-04', '01:00', '04:00')).toEqual([[iso(Date.parse('2026-10-04T01:00:00+10:00')), iso(Date.parse('2026-10-04T04:00:00+11:00'))]]);
  });

  it('a start inside it begins at the jump: 02:30-05:00 on 2027-10-03 is 03:00-05:00 AEDT', () => {
    expect(ranges('2027-10-03', '02:30', '05:00')).toEqual([[iso(Date.parse('2027-10-03T03:00:00+11:00')), iso(Date.parse('2027-10-03T05:00:00+11:00'))]]);
  });

  it('an end inside it ends at the jump: 00:00-02:30 on 2026-10-04 is 00:00-02:00 AEST (= 03:00 AEDT)', () => {
    expect(ranges('2026-10-04', '00:00', '02:30')).toEqual([[iso(Date.parse('2026-10-04T00:00:00+10:00')), iso(Date.parse('2026-10-04T02:00:00+10:00'))]]);
  });

  it('a range wholly inside it covers nothing: 02:15-02:45 on 2026-10-04', () => {
    expect(ranges('2026-10-04', '02:15', '02:45')).toEqual([]);
    expect(canberraInstant('2026-10-04', '02:15').toISOString()).toBe(iso(Date.parse('2026-10-04T03:00:00+11:00')));
  });
});

describe('a range across the repeated hour (first Sunday of April)', () => {
  it('01:00-04:00 on 2026-04-05 is 4 real hours: 01:00 AEDT to 04:00 AEST', () => {
    expect(ranges('2026-04-05', '01:00', '04:00')).toEqual([[iso(Date.parse('2026-04-05T01:00:00+11:00')), iso(Date.parse('2026-04-05T04:00:00+10:00'))]]);
  });

  it('02:00-03:00 on 2027-04-04 covers both passes: 02:00 AEDT to 03:00 AEST, 2 real hours', () => {
    expect(ranges('2027-04-04', '02:00', '03:00')).toEqual([[iso(Date.parse('2027-04-04T02:00:00+11:00')), iso(Date.parse('2027-04-04T03:00:00+10:00'))]]);
  });

  it('02:30-04:00 on 2026-04-05 is two ranges: 02:30-03:00 AEDT, then 02:30-04:00 AEST', () => {
    expect(ranges('2026-04-05', '02:30', '04:00')).toEqual([
      [iso(Date.parse('2026-04-05T02:30:00+11:00')), iso(Date.parse('2026-04-05T03:00:00+11:00'))],
      [iso(Date.parse('2026-04-05T02:30:00+10:00')), iso(Date.parse('2026-04-05T04:00:00+10:00'))],
    ]);
  });

  it('a time in it names its first pass: canberraInstant(2026-04-05, 02:30) is 02:30 AEDT, and the clock reads 02:30 an hour later again', () => {
    const first = canberraInstant('2026-04-05', '02:30');
    expect(first.toISOString()).toBe(iso(Date.parse('2026-04-05T02:30:00+11:00')));
    expect(canberraTimeOfDay(first)).toBe('02:30:00');
    expect(canberraTimeOfDay(new Date(first.getTime() + H))).toBe('02:30:00');
  });
});

describe('whole days and midnight', () => {
  it('00:00-24:00 is the whole date, however long it is', () => {
    for (const date of ['2026-10-04', '2026-04-05', '2026-07-15']) {
      const { start, end } = canberraDayRange(date);
      expect(wallClockRanges(date, 0, DAY_MS)).toEqual([{ start, end }]);
    }
  });

  it('an empty or reversed range covers nothing', () => {
    expect(wallClockRanges('2026-07-15', 10 * H, 10 * H)).toEqual([]);
    expect(wallClockRanges('2026-07-15', 11 * H, 10 * H)).toEqual([]);
  });
});
