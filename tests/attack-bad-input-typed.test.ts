// Attack (minor): "bad input gets a typed ValidationError before any SQL" does not hold for inputs each
// field of which is valid but whose derived values break a CHECK or a column type: a lesson shorter
// than a minute (total_minutes 0: CHECK_VIOLATION), one spanning millennia (total_minutes overflows
// integer: DATABASE_ERROR), one in year 1 (JavaScript's and PostgreSQL's Canberra dates differ in
// local mean time: CHECK_VIOLATION). Nothing is written, but callers get database codes for input errors.
// Fix: refine recordLessonInput (and correction merges): at least one whole minute, at most a day (or
// a sane bound), years from 1900 say.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordLesson } from '../src/access/index.js';
import { ValidationError } from '../src/db/errors.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, createSchoolBasics, failureOf } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it('refuses a 30-second lesson, a lesson of 8000 years and a lesson in year 1 with VALIDATION_ERROR', async () => {
  const { instructor, student } = await createSchoolBasics(app.db);
  const cases = {
    thirtySeconds: ['2026-12-01T10:00:00+11:00', '2026-12-01T10:00:30+11:00'],
    eightThousandYears: ['1000-01-01T10:00:00Z', '9000-01-01T10:00:00Z'],
    yearOne: ['0001-01-01T10:00:00Z', '0001-01-01T11:00:00Z'],
  };
  const codes: Record<string, string | undefined> = {};
  for (const [name, [startTime, endTime]] of Object.entries(cases)) {
    const err = await failureOf(() => recordLesson(app.db, actorOf.instructor(instructor), { studentId: student.id, startTime, endTime }));
    codes[name] = err instanceof ValidationError ? err.code : `${(err as { code?: string }).code}`;
  }
  expect(codes).toEqual({ thirtySeconds: 'VALIDATION_ERROR', eightThousandYears: 'VALIDATION_ERROR', yearOne: 'VALIDATION_ERROR' });
});
