// The pure core of changing availability (src/access/scheduling/availability-changes.ts): which weekly
// rules of one day overlap (half-open hours: touching rules do not), and which booked lessons a set of
// rules and overrides leaves outside availability. No database.
import { describe, expect, it } from 'vitest';
import { lessonsOutside, overlappingRules, type OverrideInput, type RuleInput } from '../src/access/index.js';
import { setAvailabilityRulesInput } from '../src/access/scheduling/availability-inputs.js';
import { ValidationError } from '../src/db/errors.js';
import { parseInput } from '../src/access/core/validation.js';
import { canberraInstant } from '../src/domain/wall-clock.js';

const rule = (dayOfWeek: number, startTime: string, endTime: string) => ({ dayOfWeek, startTime, endTime });

describe('overlappingRules', () => {
  it('finds two rules of one day that overlap, by their indexes', () => {
    expect(overlappingRules([rule(1, '09:00', '12:00'), rule(2, '09:00', '12:00'), rule(1, '11:00', '13:00')])).toEqual([{ dayOfWeek: 1, first: 0, second: 2 }]);
  });

  it('lets rules touch (09:00-12:00 and 12:00-15:00) and rules of other days share hours', () => {
    expect(overlappingRules([rule(1, '09:00', '12:00'), rule(1, '12:00', '15:00'), rule(2, '10:00', '11:00')])).toEqual([]);
  });

  it('finds a rule inside another, identical rules, and a rule to 24:00', () => {
    expect(overlappingRules([rule(3, '08:00', '18:00'), rule(3, '10:00', '11:00')])).toHaveLength(1);
    expect(overlappingRules([rule(3, '08:00', '09:00'), rule(3, '08:00', '09:00')])).toHaveLength(1);
    expect(overlappingRules([rule(0, '20:00', '24:00'), rule(0, '23:00', '23:30')])).toHaveLength(1);
  });

  it('agrees with a brute-force comparison of every pair (fixed seed 1717)', () => {
    let seed = 1717;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let run = 0; run < 500; run++) {
      const rules = Array.from({ length: 1 + next(6) }, () => {
        const start = next(47);
        const end = start + 1 + next(48 - start);
        const t = (half: number) => `${String(Math.floor(half / 2)).padStart(2, '0')}:${half % 2 ? '30' : '00'}`;
        return rule(next(2), t(start), t(end));
      });
      const toMin = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
      const anyPair = rules.some((a, i) => rules.some((b, j) => i < j && a.dayOfWeek === b.dayOfWeek && toMin(a.startTime) < toMin(b.endTime) && toMin(b.startTime) < toMin(a.endTime)));
      expect(overlappingRules(rules).length > 0, JSON.stringify(rules)).toBe(anyPair);
    }
  });
});

describe('setAvailabilityRules input', () => {
  it('refuses overlapping rules with VALIDATION_ERROR naming the day and the rule', () => {
    let err: unknown;
    try {
      parseInput(setAvailabilityRulesInput, { instructorId: '00000000-0000-0000-0000-000000000001', rules: [rule(1, '09:00', '12:00'), rule(1, '11:30', '13:00')] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ fields: ['rules.1'] });
    expect((err as Error).message).toContain('Monday');
  });

  it('refuses malformed times and an end before the start, each by its field', () => {
    const bad = (r: object) => {
      try {
        parseInput(setAvailabilityRulesInput, { instructorId: '00000000-0000-0000-0000-000000000001', rules: [r] });
        return null;
      } catch (e) {
        return (e as ValidationError).fields;
      }
    };
    expect(bad(rule(1, '9:00', '12:00'))).toEqual(['rules.0.startTime']);
    expect(bad(rule(1, '12:00', '09:00'))).toEqual(['rules.0.endTime']);
    expect(bad(rule(7, '09:00', '12:00'))).toEqual(['rules.0.dayOfWeek']);
    expect(bad(rule(1, '09:00', '24:30'))).toEqual(['rules.0.endTime']);
    expect(bad(rule(1, '09:00', '24:00'))).toBeNull();
  });
});

describe('lessonsOutside', () => {
  const monday = '2027-03-08';
  const rules: RuleInput[] = [{ dayOfWeek: 1, startTime: '09:00:00', endTime: '12:00:00', effectiveFrom: '2027-01-01', effectiveUntil: null, isActive: true }];
  const lesson = (id: string, date: string, start: string, end: string) => ({ id, startTime: canberraInstant(date, start), endTime: canberraInstant(date, end) });

  it('reports the lessons not wholly inside the open time, in the order given', () => {
    const lessons = [lesson('in', monday, '09:00', '10:00'), lesson('overhang', monday, '11:30', '12:30'), lesson('tuesday', '2027-03-09', '09:00', '10:00')];
    expect(lessonsOutside(rules, [], lessons).map((o) => o.bookingId)).toEqual(['overhang', 'tuesday']);
  });

  it('takes blocked and available overrides into account, whole days too', () => {
    const blockedDay: OverrideInput[] = [{ date: monday, startTime: null, endTime: null, overrideType: 'blocked' }];
    expect(lessonsOutside(rules, blockedDay, [lesson('in', monday, '09:00', '10:00')])).toHaveLength(1);
    const extra: OverrideInput[] = [{ date: '2027-03-09', startTime: '14:00:00', endTime: '16:00:00', overrideType: 'available' }];
    expect(lessonsOutside(rules, extra, [lesson('tuesday', '2027-03-09', '14:00', '15:00')])).toEqual([]);
  });

  it('with no lessons, reports none', () => {
    expect(lessonsOutside(rules, [], [])).toEqual([]);
  });
});
