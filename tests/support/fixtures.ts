// Builders for valid rows, so each test states only what it is about. Every id is fresh, so tests in
// one file never see each other's people.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DatabaseOrTransaction } from '../../src/db/engines/handle.js';
import {
  bookings,
  instructors,
  lessons,
  profiles,
  services,
  students,
} from '../../src/db/schema/index.js';
import type { NewBooking, NewInstructor, NewLesson, NewStudent } from '../../src/db/types.js';

const clerkId = () => `user_${randomUUID().replace(/-/g, '')}`;

export async function createInstructor(db: DatabaseOrTransaction, overrides: Partial<NewInstructor> = {}) {
  const userId = clerkId();
  const [profile] = await db
    .insert(profiles)
    .values({ userId, firstName: 'Rob', lastName: 'Harrison', email: `${userId}@example.com`, role: 'instructor' })
    .returning();
  const [instructor] = await db
    .insert(instructors)
    .values({ userId, profileId: profile.id, adiNumber: String(600 + Math.floor(Math.random() * 9000)), adiExpiry: '2028-06-30', ...overrides })
    .returning();
  return instructor;
}

export async function createStudent(db: DatabaseOrTransaction, instructorId: string, overrides: Partial<NewStudent> = {}) {
  const userId = clerkId();
  const [profile] = await db
    .insert(profiles)
    .values({ userId, firstName: 'Sam', lastName: 'Learner', email: `${userId}@example.com`, role: 'student' })
    .returning();
  const [student] = await db.insert(students).values({ userId, profileId: profile.id, instructorId, ...overrides }).returning();
  return student;
}

/** The id of a seeded service (learner-60 unless told otherwise). */
export async function serviceId(db: DatabaseOrTransaction, slug = 'learner-60'): Promise<string> {
  const [row] = await db.select({ id: services.id }).from(services).where(eq(services.slug, slug));
  return row.id;
}

/** A booking's columns for a Canberra-time slot, e.g. slot('2026-12-01T10:00:00+11:00', 60). */
export function slot(startIso: string, minutes: number) {
  const start = new Date(startIso);
  const end = new Date(start.getTime() + minutes * 60_000);
  return { scheduledDate: startIso.slice(0, 10), startTime: start, endTime: end, durationMinutes: minutes };
}

export function bookingValues(instructorId: string, svcId: string, startIso: string, minutes = 60, overrides: Partial<NewBooking> = {}): NewBooking {
  return { instructorId, serviceId: svcId, ...slot(startIso, minutes), ...overrides };
}

export async function createBooking(db: DatabaseOrTransaction, values: NewBooking) {
  const [row] = await db.insert(bookings).values(values).returning();
  return row;
}

export function lessonValues(instructorId: string, studentId: string, lessonNumber: number, overrides: Partial<NewLesson> = {}): NewLesson {
  const start = new Date('2026-12-01T10:00:00+11:00');
  const end = new Date(start.getTime() + 60 * 60_000);
  return {
    instructorId,
    studentId,
    lessonNumber,
    lessonDate: '2026-12-01',
    startTime: start,
    endTime: end,
    totalMinutes: 60,
    roundedMinutes: 60,
    ...overrides,
  };
}

export async function createLesson(db: DatabaseOrTransaction, values: NewLesson) {
  const [row] = await db.insert(lessons).values(values).returning();
  return row;
}

/** A person-less fixture set most tests start from: one instructor, one student, one service. */
export async function createSchoolBasics(db: DatabaseOrTransaction) {
  const instructor = await createInstructor(db);
  const student = await createStudent(db, instructor.id);
  const svc = await serviceId(db);
  return { instructor, student, serviceId: svc };
}

/** Runs a statement that must fail, and returns the error (a test fails if it succeeds). */
export async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected the statement to fail, but it succeeded');
}
