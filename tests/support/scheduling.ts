// Fixtures for the scheduling tests: an instructor's diary (weekly rules, buffer, daily cap) with a
// student and an admin, bookings inserted as rows, and a way to run a few statements as the database's
// owner (to plant a fault) from a test that otherwise runs as the application.
import { eq, sql } from 'drizzle-orm';
import type { Actor } from '../../src/access/index.js';
import type { DatabaseOrTransaction, Database } from '../../src/db/engines/handle.js';
import { availabilityRules, bookings } from '../../src/db/schema/index.js';
import type { BookingStatus, NewBooking } from '../../src/db/types.js';
import { canberraDate } from '../../src/domain/time.js';
import { openServerHandle, onServer, type TestDb } from './db.js';
import { actorOf, createAdmin, createInstructor, createStudent, serviceId } from './fixtures.js';

export interface DiaryOptions {
  buffer?: number;
  cap?: number;
  /** Weekly rules: [weekdays, start, end]; default every day 08:00-18:00. */
  rules?: Array<[number[], string, string]>;
  service?: string;
}

const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6];

/** An active instructor with weekly rules, one of their students, a service, an admin, and actors. */
export async function createDiary(db: DatabaseOrTransaction, options: DiaryOptions = {}) {
  const instructor = await createInstructor(db, { defaultBufferMinutes: options.buffer ?? 15, maxLessonsPerDay: options.cap ?? 8 });
  const student = await createStudent(db, instructor.id);
  const admin = await createAdmin(db);
  const svc = await serviceId(db, options.service);
  const rules = (options.rules ?? [[EVERY_DAY, '08:00', '18:00']]).flatMap(([days, startTime, endTime]) =>
    days.map((dayOfWeek) => ({ instructorId: instructor.id, dayOfWeek, startTime, endTime, effectiveFrom: '2026-01-01' })),
  );
  if (rules.length) await db.insert(availabilityRules).values(rules);
  return {
    instructor, student, admin, serviceId: svc,
    asAdmin: actorOf.admin(admin) as Actor,
    asInstructor: actorOf.instructor(instructor) as Actor,
    asStudent: actorOf.student(student) as Actor,
  };
}
export type Diary = Awaited<ReturnType<typeof createDiary>>;

/** A booking row for the diary's student, inserted directly (no availability check), `minutes` long. */
export async function insertBooking(db: DatabaseOrTransaction, d: Diary, start: Date, status: BookingStatus = 'confirmed', minutes = 60, extra: Partial<NewBooking> = {}) {
  const [row] = await db
    .insert(bookings)
    .values({
      instructorId: d.instructor.id, serviceId: d.serviceId, studentId: d.student.id, scheduledDate: canberraDate(start),
      startTime: start, endTime: new Date(start.getTime() + minutes * 60_000), durationMinutes: minutes, status,
      cancelledBy: status === 'cancelled' ? 'user_2fixture' : undefined, ...extra,
    })
    .returning();
  return row;
}

export async function bookingRow(db: DatabaseOrTransaction, id: string) {
  const [row] = await db.select().from(bookings).where(eq(bookings.id, id));
  return row;
}

/**
 * Runs `use` on a connection as the test database's owner: on PGlite the one session with RESET ROLE
 * (SET ROLE nexdrive_app again after), on a server a separate connection to the file's database.
 */
export async function asOwner<T>(t: TestDb, use: (db: Database) => Promise<T>): Promise<T> {
  if (!onServer) {
    await t.db.execute(sql`reset role`);
    try {
      return await use(t.db);
    } finally {
      await t.db.execute(sql`set role nexdrive_app`);
    }
  }
  const handle = await openServerHandle(t.url!, 1);
  try {
    return await use(handle.db);
  } finally {
    await handle.close();
  }
}
