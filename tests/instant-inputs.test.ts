// Issue 16: getAvailableSlots({ from: '2026-12-10' }) answered "v.from.getTime is not a function" (its
// window checks ran on a string). Every instant input takes what instant() takes (a Date, or an ISO
// date-time with an offset) and refuses anything else as a VALIDATION_ERROR naming the field.
import { describe, expect, it } from 'vitest';
import { parseInput } from '../src/access/core/validation.js';
import { listBookingsInput } from '../src/access/scheduling/list-bookings.js';
import { getAvailableSlotsInput } from '../src/access/scheduling/slots.js';
import { ValidationError } from '../src/db/errors.js';

const ids = { instructorId: '00000000-0000-4000-8000-000000000001', serviceId: '00000000-0000-4000-8000-000000000002' };

function failure(run: () => unknown): ValidationError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('instant inputs', () => {
  it('getAvailableSlots takes ISO date-times with an offset and Dates alike', () => {
    const fromText = parseInput(getAvailableSlotsInput, { ...ids, from: '2026-12-10T00:00:00+11:00', to: '2026-12-11T00:00:00+11:00' });
    const fromDates = parseInput(getAvailableSlotsInput, { ...ids, from: new Date('2026-12-09T13:00:00Z'), to: new Date('2026-12-10T13:00:00Z') });
    expect(fromText.from.getTime()).toBe(fromDates.from.getTime());
    expect(fromText.to.getTime()).toBe(fromDates.to.getTime());
  });

  it.each([
    ['a date without a time', { from: '2026-12-10', to: '2026-12-11T00:00:00+11:00' }, ['from']],
    ['a date-time without an offset', { from: '2026-12-10T09:00:00', to: '2026-12-11T00:00:00+11:00' }, ['from']],
    ['both as dates', { from: '2026-12-10', to: '2026-12-11' }, ['from', 'to']],
    ['a number', { from: 1_797_000_000_000, to: '2026-12-11T00:00:00+11:00' }, ['from']],
  ])('getAvailableSlots refuses %s as a VALIDATION_ERROR naming the field', (_what, window, fields) => {
    const err = failure(() => parseInput(getAvailableSlotsInput, { ...ids, ...window }));
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.fields).toEqual(fields);
    expect(err.message).not.toContain('is not a function');
  });

  it('listBookings refuses a date for an instant the same way', () => {
    const err = failure(() => parseInput(listBookingsInput, { from: '2026-12-10', to: '2026-12-11T00:00:00+11:00' }));
    expect(err.fields).toEqual(['from']);
  });
});
