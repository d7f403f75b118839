// getAvailableSlots: when can this instructor teach this service? Public (the booking page asks it
// before anyone signs in): no actor, and nothing personal in the answer, only start and end times. It
// loads the rows (./schedule-data.ts) and runs the pure algorithm (./availability.ts).
import { z } from 'zod';
import type { DatabaseOrTransaction } from '../../db/engines/handle.js';
import { mapDbErrors } from '../../db/errors.js';
import { DAY_MS } from '../../domain/wall-clock.js';
import { id, instant, parseInput } from '../core/validation.js';
import { availableSlots, type Slot } from './availability.js';
import { SCHEDULING } from './rules.js';
import { loadInstructorAndService, loadSchedule } from './schedule-data.js';

/** The longest window one call answers: the horizon, and a day either side for time zones. */
const MAX_WINDOW_MS = (SCHEDULING.horizonDays + 2) * DAY_MS;

const bothInstants = (v: { from: unknown; to: unknown }) => v.from instanceof Date && v.to instanceof Date;

export const getAvailableSlotsInput = z
  .strictObject({ instructorId: id(), serviceId: id(), from: instant(), to: instant(), now: instant().optional() })
  // Only when both are instants: an unparsed `from` ('2026-12-10') is reported by its own field.
  .refine((v) => !bothInstants(v) || v.to > v.from, { path: ['to'], message: 'to is after from' })
  .refine((v) => !bothInstants(v) || v.to.getTime() - v.from.getTime() <= MAX_WINDOW_MS, {
    path: ['to'],
    message: `a window is at most ${SCHEDULING.horizonDays + 2} days (nothing further than ${SCHEDULING.horizonDays} days ahead can be booked)`,
  });

export type { Slot };

/**
 * The lessons of `serviceId` that `instructorId` can still take, starting in [from, to), in time
 * order. `now` (default: the current time) decides notice, horizon and expired holds; it is for tests
 * and jobs: never pass a value a user sent. A window is at most the horizon long; nothing before `now`
 * is loaded. An unknown or inactive instructor or service is NOT_FOUND; bad input is VALIDATION_ERROR.
 */
export async function getAvailableSlots(db: DatabaseOrTransaction, rawInput: z.input<typeof getAvailableSlotsInput>): Promise<Slot[]> {
  const input = parseInput(getAvailableSlotsInput, rawInput);
  const now = input.now ?? new Date();
  return mapDbErrors(async () => {
    const { instructor, service } = await loadInstructorAndService(db, input.instructorId, input.serviceId);
    // Nothing can start before now or after the horizon: load no more than that (and never the past
    // diary, whose gaps would show past lessons).
    const from = new Date(Math.max(input.from.getTime(), now.getTime()));
    const to = new Date(Math.min(input.to.getTime(), now.getTime() + SCHEDULING.horizonDays * DAY_MS + 1));
    if (to <= from) return [];
    const schedule = await loadSchedule(db, instructor, from, to);
    return availableSlots({ ...schedule, instructor, service, now }, from, to);
  });
}
