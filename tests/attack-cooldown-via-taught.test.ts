// Attack (critical): the 36-hour cooldown after not_yet_competent is skipped by recording `taught` in
// between. competency_guard (migration 0017) checks the cooldown only when the task's CURRENT status is
// not_yet_competent; not_yet_competent -> taught is allowed ("teaching may go on") and taught ->
// competent is allowed, so NYC -> taught -> competent signs a task off seconds after the student
// failed it. The model (rules.ts refusalOf) has the same hole, so the property test agrees with it.
// Reached by an instructor through recordCompetencyChanges in one call.
// Fix: judge the cooldown from the task's last not_yet_competent row (not only the current row):
// refuse assessed/competent while nd_now() < (the newest not_yet_competent row's status_changed_at,
// newer than the last competent row) + nd_competency_cooldown(); same in refusalOf and progressOf.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordCompetencyChanges } from '../src/access/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { insertCompetency } from './support/compliance.js';
import { actorOf, createSchoolBasics } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it('refuses competent within 36 hours of not_yet_competent, even with taught recorded in between (NYC_COOLDOWN_ACTIVE)', async () => {
  const { instructor, student } = await createSchoolBasics(app.db);
  await insertCompetency(app.db, student, 1, 'assessed');
  await insertCompetency(app.db, student, 1, 'not_yet_competent'); // failed just now

  const outcome = await recordCompetencyChanges(app.db, actorOf.instructor(instructor), {
    studentId: student.id,
    changes: [{ taskNumber: 1, status: 'taught' }, { taskNumber: 1, status: 'competent' }],
  }).then(
    (rows) => `accepted: ${rows.map((r) => r.status).join(' -> ')}`,
    (err: { code?: string }) => err.code,
  );
  expect(outcome).toBe('NYC_COOLDOWN_ACTIVE');
});
