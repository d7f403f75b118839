// Section: scheduling.
//   1. getAvailableSlots over 60 days for an instructor with 2,000 bookings and 50 overrides, beside
//      the bare SELECTs of its inputs (the same five queries through the same driver, no algorithm)
//      and beside the pure algorithm alone on rows already loaded;
//   2. 32 concurrent bookers (students, each on its own connection, booking for themselves through
//      createBooking) on 8 instructors, beside one booker making the same number of attempts alone on
//      8 fresh instructors: attempts/s, bookings/s and how many succeeded. Afterwards every diary is
//      checked: no two active bookings closer than the buffer, no Canberra date over the cap.
// Everything runs in real time (now = the clock), as the owner of the bench database.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, notInArray, sql } from 'drizzle-orm';
import { createBooking, getAvailableSlots, SlotUnavailableError, type Actor } from '../src/access/index.js';
import { availableSlots } from '../src/access/scheduling/availability.js';
import { loadInstructor, loadSchedule, loadService } from '../src/access/scheduling/schedule-data.js';
import type { Database } from '../src/db/engines/handle.js';
import { openPostgres } from '../src/db/engines/postgres.js';
import { availabilityOverrides, availabilityRules, bookings, instructors, profiles, services, students } from '../src/db/schema/index.js';
import type { NewBooking } from '../src/db/types.js';
import { canberraDate } from '../src/domain/time.js';
import { addDays, canberraInstant, DAY_MS, MINUTE_MS } from '../src/domain/wall-clock.js';
import { fixed, int, median, seconds } from './measure.js';
import type { SummaryRow } from './report.js';

const BOOKINGS = 2_000;
const OVERRIDES = 50;
const WINDOW_DAYS = 60;
const RUNS = 30;
const WARMUP = 3;
const INSTRUCTORS = 8;
const BOOKERS_PER_INSTRUCTOR = 4;
const ATTEMPTS_PER_BOOKER = 10;
const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6];

async function person(db: Database, role: 'instructor' | 'student') {
  const userId = `user_bench${randomUUID().replace(/-/g, '')}`;
  const [profile] = await db.insert(profiles).values({ userId, firstName: 'Bench', lastName: role, email: `${userId}@example.com`, role }).returning();
  return profile;
}

async function createInstructor(db: Database, cap: number, open: string, close: string) {
  const profile = await person(db, 'instructor');
  const [row] = await db
    .insert(instructors)
    .values({ userId: profile.userId, profileId: profile.id, adiNumber: 'B1', adiExpiry: '2030-06-30', defaultBufferMinutes: 15, maxLessonsPerDay: cap })
    .returning();
  await db.insert(availabilityRules).values(EVERY_DAY.map((dayOfWeek) => ({ instructorId: row.id, dayOfWeek, startTime: open, endTime: close, effectiveFrom: '2020-01-01' })));
  return row;
}

async function createStudent(db: Database, instructorId: string) {
  const profile = await person(db, 'student');
  const [row] = await db.insert(students).values({ userId: profile.userId, profileId: profile.id, instructorId }).returning();
  return row;
}

function bookingRow(instructorId: string, serviceId: string, studentId: string, date: string, time: string, status: NewBooking['status'], createdAt?: Date): NewBooking {
  const start = canberraInstant(date, time);
  return {
    instructorId, serviceId, studentId, scheduledDate: date, startTime: start, endTime: new Date(start.getTime() + 60 * MINUTE_MS), durationMinutes: 60,
    status, cancelledBy: status === 'cancelled' ? 'user_bench' : null, amountCents: 10500, createdAt,
  };
}

/** The instructor of section 1: 2,000 bookings (480 in the 60-day window), 50 overrides in the window. */
async function seedBusyInstructor(db: Database, serviceId: string, today: string, now: Date) {
  const instructor = await createInstructor(db, 12, '07:00', '19:00');
  const student = await createStudent(db, instructor.id);
  const rows: NewBooking[] = [];
  // The window: 6 active lessons a day (one in ten still a pending hold) and 2 cancelled ones.
  for (let day = 1; day <= WINDOW_DAYS; day++) {
    const date = addDays(today, day);
    ['07:00', '09:00', '11:00', '13:00', '15:00', '17:00'].forEach((time, i) =>
      rows.push(bookingRow(instructor.id, serviceId, student.id, date, time, (day + i) % 10 === 0 ? 'pending' : 'confirmed', now)),
    );
    for (const time of ['08:00', '16:00']) rows.push(bookingRow(instructor.id, serviceId, student.id, date, time, 'cancelled'));
  }
  // History: the rest in the days before today, 5 a day, completed, cancelled or no-show.
  const statuses = ['completed', 'completed', 'completed', 'cancelled', 'no_show'] as const;
  for (let day = 1; rows.length < BOOKINGS; day++) {
    for (const [i, time] of ['08:00', '10:00', '12:00', '14:00', '16:00'].entries()) {
      if (rows.length < BOOKINGS) rows.push(bookingRow(instructor.id, serviceId, student.id, addDays(today, -day), time, statuses[(day + i) % statuses.length]));
    }
  }
  for (let i = 0; i < rows.length; i += 500) await db.insert(bookings).values(rows.slice(i, i + 500));
  const overrides = Array.from({ length: OVERRIDES }, (_, i) => {
    const date = addDays(today, 1 + i);
    if (i % 10 === 9) return { instructorId: instructor.id, date, startTime: null, endTime: null, overrideType: 'blocked' as const, reason: 'Day off' };
    return i % 2 === 0
      ? { instructorId: instructor.id, date, startTime: '12:00', endTime: '13:00', overrideType: 'blocked' as const, reason: 'Lunch' }
      : { instructorId: instructor.id, date, startTime: '19:00', endTime: '21:00', overrideType: 'available' as const, reason: 'Evening' };
  });
  await db.insert(availabilityOverrides).values(overrides);
  return instructor;
}

/** Medians of each measured call, run in turns (a, b, c, a, b, c...) so noise on the machine falls on all alike. */
async function interleavedMedians(calls: Array<() => Promise<unknown>>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) for (const call of calls) await call();
  const ms: number[][] = calls.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [k, call] of calls.entries()) {
      const started = performance.now();
      await call();
      ms[k].push(performance.now() - started);
    }
  }
  return ms.map(median);
}

/** A deterministic shuffle (mulberry32), so each booker has its own order of candidate starts. */
function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

interface Booker {
  actor: Actor;
  instructorId: string;
  studentId: string;
  starts: Date[];
}

/** 8 instructors (08:00-18:00 every day, cap 8, buffer 15) with 4 students each; each student's
 *  ATTEMPTS_PER_BOOKER candidate starts: quarter hours of days 2 to 6 ahead, in its own order. */
async function seedBookers(db: Database, today: string, seedBase: number): Promise<Booker[]> {
  const candidates = [2, 3, 4, 5, 6].flatMap((day) =>
    Array.from({ length: 36 }, (_, q) => canberraInstant(addDays(today, day), `${String(8 + Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`)),
  );
  const bookers: Booker[] = [];
  for (let i = 0; i < INSTRUCTORS; i++) {
    const instructor = await createInstructor(db, 8, '08:00', '18:00');
    for (let j = 0; j < BOOKERS_PER_INSTRUCTOR; j++) {
      const student = await createStudent(db, instructor.id);
      const seed = seedBase + i * BOOKERS_PER_INSTRUCTOR + j;
      bookers.push({ actor: { userId: student.userId, role: 'student' }, instructorId: instructor.id, studentId: student.id, starts: shuffled(candidates, seed).slice(0, ATTEMPTS_PER_BOOKER) });
    }
  }
  return bookers;
}

interface BookingRun {
  seconds: number;
  /** CPU time of this Node process (user + system) during the run. */
  cpuSeconds: number;
  attempts: number;
  succeeded: number;
  refused: number;
  other: string[];
}

async function runBookers(db: Database, serviceId: string, bookers: Booker[], concurrent: boolean): Promise<BookingRun> {
  const result: BookingRun = { seconds: 0, cpuSeconds: 0, attempts: 0, succeeded: 0, refused: 0, other: [] };
  const attempt = async (b: Booker, start: Date) => {
    result.attempts++;
    try {
      await createBooking(db, b.actor, { instructorId: b.instructorId, serviceId, studentId: b.studentId, start, bookedVia: 'website' });
      result.succeeded++;
    } catch (err) {
      if (err instanceof SlotUnavailableError) result.refused++;
      else result.other.push(err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err));
    }
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  if (concurrent) {
    await Promise.all(bookers.map(async (b) => { for (const s of b.starts) await attempt(b, s); }));
  } else {
    for (const b of bookers) for (const s of b.starts) await attempt(b, s);
  }
  result.seconds = seconds(started);
  const used = process.cpuUsage(cpu);
  result.cpuSeconds = (used.user + used.system) / 1e6;
  return result;
}

/** Every diary of these bookers keeps its buffer and its cap; returns the number of active bookings. */
async function checkDiaries(db: Database, instructorIds: string[]): Promise<number> {
  let total = 0;
  for (const id of instructorIds) {
    const [instructor] = await db.select().from(instructors).where(eq(instructors.id, id));
    const rows = await db
      .select()
      .from(bookings)
      .where(and(eq(bookings.instructorId, id), notInArray(bookings.status, ['cancelled', 'rescheduled'])))
      .orderBy(asc(bookings.startTime));
    const perDay = new Map<string, number>();
    rows.forEach((r, i) => {
      if (i > 0 && r.startTime.getTime() - rows[i - 1].endTime.getTime() < instructor.defaultBufferMinutes * MINUTE_MS) throw new Error(`instructor ${id}: buffer broken at ${r.startTime.toISOString()}`);
      perDay.set(r.scheduledDate, (perDay.get(r.scheduledDate) ?? 0) + 1);
    });
    for (const [date, n] of perDay) if (n > instructor.maxLessonsPerDay) throw new Error(`instructor ${id}: ${n} lessons on ${date}`);
    total += rows.length;
  }
  return total;
}

export async function benchScheduling(url: string, heading: (text: string) => void): Promise<SummaryRow[]> {
  const handle = await openPostgres({ url, max: 40 });
  try {
    const db = handle.db;
    const now = new Date();
    const today = canberraDate(now);
    const [service] = await db
      .insert(services)
      .values({ name: 'Bench Lesson (60 min)', slug: `bench-60-${randomUUID().slice(0, 8)}`, durationMinutes: 60, priceCents: 10500, category: 'lesson', minNoticeHours: 24 })
      .returning();

    heading(`getAvailableSlots over ${WINDOW_DAYS} days: an instructor with ${int(BOOKINGS)} bookings and ${OVERRIDES} overrides`);
    const busy = await seedBusyInstructor(db, service.id, today, now);
    await db.execute(sql`analyze bookings`);
    const from = now;
    const to = new Date(now.getTime() + WINDOW_DAYS * DAY_MS);
    const input = { instructorId: busy.id, serviceId: service.id, from, to, now };
    const slots = await getAvailableSlots(db, input);
    const selects = async () => {
      const instructor = await loadInstructor(db, busy.id);
      await loadService(db, service.id);
      return loadSchedule(db, instructor, from, to);
    };
    const loaded = await selects();
    const instructor = await loadInstructor(db, busy.id);
    const svc = await loadService(db, service.id);
    const [fullMs, selectMs, pureMs] = await interleavedMedians([
      () => getAvailableSlots(db, input),
      selects,
      async () => availableSlots({ ...loaded, instructor, service: svc, now }, from, to),
    ]);
    console.log(
      `  the window loads ${loaded.bookings.length} active bookings, ${loaded.overrides.length} overrides and ${loaded.rules.length} weekly rules ` +
        `(the other ${int(BOOKINGS - loaded.bookings.length)} bookings are history or cancelled); ${slots.length} slots returned`,
    );
    console.log(`  median of ${RUNS} calls each, in turns, after ${WARMUP} warm-ups: getAvailableSlots ${fixed(fullMs)} ms; its bare SELECTs ${fixed(selectMs)} ms; the pure algorithm alone ${fixed(pureMs)} ms`);
    console.log(`  getAvailableSlots / bare SELECTs = ${fixed(fullMs / selectMs)}`);

    heading(`${INSTRUCTORS * BOOKERS_PER_INSTRUCTOR} concurrent bookers on ${INSTRUCTORS} instructors (createBooking as the student, ${ATTEMPTS_PER_BOOKER} attempts each)`);
    const concurrentBookers = await seedBookers(db, today, 1);
    const soloBookers = await seedBookers(db, today, 1); // the same orders, on 8 fresh instructors
    const concurrent = await runBookers(db, service.id, concurrentBookers, true);
    const solo = await runBookers(db, service.id, soloBookers, false);
    for (const [label, r] of [[`${concurrentBookers.length} concurrent`, concurrent], ['1 booker alone', solo]] as const) {
      console.log(
        `  ${label.padEnd(13)}: ${r.attempts} attempts in ${fixed(r.seconds)} s = ${fixed(r.attempts / r.seconds, 1)} attempts/s; ` +
          `${r.succeeded} succeeded (${fixed(r.succeeded / r.seconds, 1)} bookings/s), ${r.refused} SLOT_UNAVAILABLE, ${r.other.length} other errors; ` +
          `node CPU ${fixed(r.cpuSeconds)} s (${fixed((r.cpuSeconds / r.attempts) * 1000, 1)} ms per attempt)`,
      );
      for (const e of r.other.slice(0, 3)) console.log(`    other: ${e}`);
    }
    const active = await checkDiaries(db, [...new Set([...concurrentBookers, ...soloBookers].map((b) => b.instructorId))]);
    console.log(`  afterwards: ${active} active bookings in the ${INSTRUCTORS * 2} diaries, every buffer and daily cap kept`);

    return [
      {
        figure: `getAvailableSlots ms, ${WINDOW_DAYS} days, ${int(BOOKINGS)} bookings, ${OVERRIDES} overrides (vs its bare SELECTs)`,
        value: fixed(fullMs), baseline: fixed(selectMs), ratio: fixed(fullMs / selectMs), target: '-', met: null,
      },
      {
        figure: `createBooking attempts/s, ${concurrentBookers.length} bookers on ${INSTRUCTORS} instructors (vs 1 booker)`,
        value: fixed(concurrent.attempts / concurrent.seconds, 1), baseline: fixed(solo.attempts / solo.seconds, 1),
        ratio: fixed(concurrent.attempts / concurrent.seconds / (solo.attempts / solo.seconds)), target: '-', met: null,
      },
      {
        figure: `bookings/s (${concurrent.succeeded} of ${concurrent.attempts} succeeded; 1 booker: ${solo.succeeded} of ${solo.attempts})`,
        value: fixed(concurrent.succeeded / concurrent.seconds, 1), baseline: fixed(solo.succeeded / solo.seconds, 1),
        ratio: fixed(concurrent.succeeded / concurrent.seconds / (solo.succeeded / solo.seconds)), target: '-', met: null,
      },
    ];
  } finally {
    await handle.close();
  }
}
