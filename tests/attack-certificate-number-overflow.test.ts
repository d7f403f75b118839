// Attack (minor): the certificate number is format('CERT-%s-%s', year, lpad(n::text, 4, '0')), and
// PostgreSQL's lpad TRUNCATES a longer string to the length: the 10,000th certificate of a year gets
// CERT-YYYY-1000 (out of sequence, and a duplicate of the 1,000th if it still exists), and every later
// one the same number again, so issuing fails with a unique violation for the rest of that year. The
// CHECK (^CERT-[0-9]{4}-[0-9]{4,}$) and docs/compliance.md say the number may grow past 4 digits.
// Fix: lpad only when shorter: CASE WHEN n < 10000 THEN lpad(n::text, 4, '0') ELSE n::text END
// (or to_char(n, 'FM0000')).
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { students } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { atClock, makeFullyCompetent } from './support/compliance.js';
import { createSchoolBasics, createStudent } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it('the certificate after CERT-2031-9999 is CERT-2031-10000', async () => {
  const { instructor, student } = await createSchoolBasics(app.db);
  const earlier = await createStudent(app.db, instructor.id);
  // The owner plants the 9,999th certificate of 2031 (as if 9,999 had been issued), past the guards.
  await app.asOwner(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.update(students).set({ certificateNumber: 'CERT-2031-9999', certificateIssuedAt: new Date('2031-06-01T00:00:00Z') }).where(eq(students.id, earlier.id));
  });
  await makeFullyCompetent(app.db, student);
  const [issued] = await atClock(app, '2031-07-01T00:00:00Z', (tx) =>
    tx.update(students).set({ certificateIssuedAt: new Date() }).where(eq(students.id, student.id)).returning({ number: students.certificateNumber }),
  );
  expect(issued.number).toBe('CERT-2031-10000');
});
