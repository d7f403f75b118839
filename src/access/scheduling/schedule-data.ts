// Loading what the availability algorithm needs (./availability.ts) for one instructor and service
// around a time window: the instructor's buffer and cap, the service, the active weekly rules, the
// overrides of the window's Canberra dates, and the bookings that can touch the window (with a day's
// margin, so the buffer and the daily cap of each date in the window are seen whole).
import { eq, sql } from 'drizzle-orm';
import { queryRows } from '../../db/sql.js';
import { jsonObjectOf, rowsFromJson } from '../core/views.js';
import { diaryLock } from './diary.js';
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
  return checkedInstructorAndService(row, instructorId, serviceId);
}

/** What claimSlot needs: the instructor and service, read while taking the instructor's diary lock. */
export interface LockedDiary {
  instructor: ScheduleInstructor;
  service: ScheduleService;
  readonly diaryLocked: true;
}

/**
 * loadInstructorAndService, taking the instructor's diary lock (./diary.ts) in the same statement (one
 * round trip, issue 20). What is read after it sees every booking the previous holder committed.
 */
export async function lockInstructorDiary(db: DatabaseOrTransaction, instructorId: string, serviceId: string): Promise<LockedDiary> {
  const [row] = await db
    .select({ instructor: instructorColumns, service: serviceColumns, locked: diaryLock(instructors.id) })
    .from(instructors)
    .leftJoin(services, eq(services.id, serviceId))
    .where(eq(instructors.id, instructorId));
  return { ...checkedInstructorAndService(row, instructorId, serviceId), diaryLocked: true };
}

function checkedInstructorAndService(
  row: { instructor: ScheduleInstructor; service: ScheduleService | null } | undefined,
  instructorId: string,
  serviceId: string,
): { instructor: ScheduleInstructor; service: ScheduleService } {
  if (!row || row.instructor.status !== 'active') throw new NotFoundError(`instructor ${instructorId} not found`);
  if (!row.service || !row.service.isActive) throw new NotFoundError(`service ${serviceId} not found`);
  return { instructor: row.instructor, service: row.service };
}

/** The columns the availability rules judge by (./availability.ts: RuleInput, OverrideInput,
 *  BookingInput), for every read that feeds them: the schedule here, and the reports of an
 *  availability change (./set-availability.ts). */
export const RULE_INPUT_COLUMNS = {
  dayOfWeek: availabilityRules.dayOfWeek, startTime: availabilityRules.startTime, endTime: availabilityRules.endTime,
  effectiveFrom: availabilityRules.effectiveFrom, effectiveUntil: availabilityRules.effectiveUntil, isActive: availabilityRules.isActive,
};
export const OVERRIDE_INPUT_COLUMNS = {
  date: availabilityOverrides.date, startTime: availabilityOverrides.startTime, endTime: availabilityOverrides.endTime, overrideType: availabilityOverrides.overrideType,
};
export const BOOKING_INPUT_COLUMNS = { id: bookings.id, startTime: bookings.startTime, endTime: bookings.endTime, status: bookings.status, createdAt: bookings.createdAt };

/**
 * Rules, overrides and bookings of the instructor for lessons starting in [from, to), in one statement
 * (three JSON arrays; issue 20). The margin (a day plus the buffer) covers a lesson running past
 * midnight, the buffer around the window's edges, and every booking of each Canberra date in the window
 * (the daily cap).
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
  const inactive = sql.join(INACTIVE_BOOKING_STATUSES.map((status) => sql`${status}`), sql`, `);
  type Json = Array<Record<string, unknown>>;
  const [row] = await queryRows<{ rules: Json; overrides: Json; bookings: Json }>(db, sql`select
    (select coalesce(jsonb_agg(${jsonObjectOf(RULE_INPUT_COLUMNS)}), '[]') from ${availabilityRules}
      where ${availabilityRules.instructorId} = ${instructor.id} and ${availabilityRules.isActive}) as rules,
    (select coalesce(jsonb_agg(${jsonObjectOf(OVERRIDE_INPUT_COLUMNS)}), '[]') from ${availabilityOverrides}
      where ${availabilityOverrides.instructorId} = ${instructor.id} and ${availabilityOverrides.date} between ${firstDate} and ${lastDate}) as overrides,
    (select coalesce(jsonb_agg(${jsonObjectOf(BOOKING_INPUT_COLUMNS)} order by ${bookings.startTime}), '[]') from ${bookings}
      where ${bookings.instructorId} = ${instructor.id} and ${bookings.status} not in (${inactive})
        and ${bookings.startTime} < ${new Date(to.getTime() + margin)} and ${bookings.endTime} > ${new Date(from.getTime() - margin)}) as bookings`);
  return {
    rules: rowsFromJson(RULE_INPUT_COLUMNS, row.rules),
    overrides: rowsFromJson(OVERRIDE_INPUT_COLUMNS, row.overrides),
    bookings: rowsFromJson(BOOKING_INPUT_COLUMNS, row.bookings),
  };
}
