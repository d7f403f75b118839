// Loading what the availability algorithm needs (./availability.ts) for one instructor and service
// around a time window: the instructor's buffer and cap, the service, the active weekly rules, the
// overrides of the window's Canberra dates, and the bookings that can touch the window (with a day's
// margin, so the buffer and the daily cap of each date in the window are seen whole).
import { and, asc, eq, gt, gte, lt, lte, notInArray } from 'drizzle-orm';
import type { DatabaseOrTransaction } from '../../db/engines/handle.js';
import { NotFoundError } from '../../db/errors.js';
import { availabilityOverrides, availabilityRules, bookings, instructors, services } from '../../db/schema/index.js';
import { INACTIVE_BOOKING_STATUSES } from '../../db/schema/enums.js';
import { canberraDate } from '../../domain/time.js';
import { addDays, DAY_MS, MINUTE_MS } from '../../domain/wall-clock.js';
import type { AvailabilityData } from './availability.js';

export const instructorColumns = {
  id: instructors.id,
  status: instructors.status,
  defaultBufferMinutes: instructors.defaultBufferMinutes,
  maxLessonsPerDay: instructors.maxLessonsPerDay,
};

export const serviceColumns = {
  id: services.id,
  durationMinutes: services.durationMinutes,
  minNoticeHours: services.minNoticeHours,
  priceCents: services.priceCents,
  isActive: services.isActive,
  isBookableOnline: services.isBookableOnline,
};

export type ScheduleInstructor = Awaited<ReturnType<typeof loadInstructor>>;
export type ScheduleService = Awaited<ReturnType<typeof loadService>>;

/** An instructor who takes bookings (status active); anyone else does not exist here. */
export async function loadInstructor(db: DatabaseOrTransaction, instructorId: string) {
  const [row] = await db.select(instructorColumns).from(instructors).where(eq(instructors.id, instructorId));
  if (!row || row.status !== 'active') throw new NotFoundError(`instructor ${instructorId} not found`);
  return row;
}

/** A service on sale (is_active); anything else does not exist here. */
export async function loadService(db: DatabaseOrTransaction, serviceId: string) {
  const [row] = await db.select(serviceColumns).from(services).where(eq(services.id, serviceId));
  if (!row || !row.isActive) throw new NotFoundError(`service ${serviceId} not found`);
  return row;
}

/** loadInstructor and loadService in one statement (one round trip): the same rows, the same NOT_FOUNDs. */
export async function loadInstructorAndService(db: DatabaseOrTransaction, instructorId: string, serviceId: string) {
  const [row] = await db
    .select({ instructor: instructorColumns, service: serviceColumns })
    .from(instructors)
    .leftJoin(services, eq(services.id, serviceId))
    .where(eq(instructors.id, instructorId));
  if (!row || row.instructor.status !== 'active') throw new NotFoundError(`instructor ${instructorId} not found`);
  if (!row.service || !row.service.isActive) throw new NotFoundError(`service ${serviceId} not found`);
  return { instructor: row.instructor as ScheduleInstructor, service: row.service as ScheduleService };
}

/**
 * Rules, overrides and bookings of the instructor for lessons starting in [from, to). The margin
 * (a day plus the buffer) covers a lesson running past midnight, the buffer around the window's
 * edges, and every booking of each Canberra date in the window (the daily cap).
 */
export async function loadSchedule(
  db: DatabaseOrTransaction,
  instructor: ScheduleInstructor,
  from: Date,
  to: Date,
): Promise<Pick<AvailabilityData, 'rules' | 'overrides' | 'bookings'>> {
  const margin = 2 * DAY_MS + instructor.defaultBufferMinutes * MINUTE_MS;
  const firstDate = addDays(canberraDate(from), -1);
  const lastDate = addDays(canberraDate(to), 1);
  const rules = await db
    .select({
      dayOfWeek: availabilityRules.dayOfWeek,
      startTime: availabilityRules.startTime,
      endTime: availabilityRules.endTime,
      effectiveFrom: availabilityRules.effectiveFrom,
      effectiveUntil: availabilityRules.effectiveUntil,
      isActive: availabilityRules.isActive,
    })
    .from(availabilityRules)
    .where(and(eq(availabilityRules.instructorId, instructor.id), eq(availabilityRules.isActive, true)));
  const overrides = await db
    .select({
      date: availabilityOverrides.date,
      startTime: availabilityOverrides.startTime,
      endTime: availabilityOverrides.endTime,
      overrideType: availabilityOverrides.overrideType,
    })
    .from(availabilityOverrides)
    .where(and(eq(availabilityOverrides.instructorId, instructor.id), gte(availabilityOverrides.date, firstDate), lte(availabilityOverrides.date, lastDate)));
  const booked = await db
    .select({ id: bookings.id, startTime: bookings.startTime, endTime: bookings.endTime, status: bookings.status, createdAt: bookings.createdAt })
    .from(bookings)
    .where(
      and(
        eq(bookings.instructorId, instructor.id),
        notInArray(bookings.status, [...INACTIVE_BOOKING_STATUSES]),
        lt(bookings.startTime, new Date(to.getTime() + margin)),
        gt(bookings.endTime, new Date(from.getTime() - margin)),
      ),
    )
    .orderBy(asc(bookings.startTime));
  return { rules, overrides, bookings: booked };
}
