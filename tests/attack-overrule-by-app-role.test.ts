// Attack (critical): the admin's overrule of a competent task is decided only by the access layer. Any
// member of nexdrive_app can `select set_config('nexdrive.competency_overrule', ' ', true)` (a custom
// setting anyone may set; a blank reason passes, since the guard only nullifs '') and move a competent
// task back to taught, with no reason kept anywhere and no COMPETENCY_OVERRULED audit entry.
// docs/compliance.md says "the database refuses any other move out of competent", which reads as if
// the database decided who overrules; it does not.
// Fix: require in the database what the access layer promises, like nd_identity_guard does for relinks:
// e.g. a DEFERRABLE INITIALLY DEFERRED constraint trigger on student_competencies that, at commit, finds
// a COMPETENCY_OVERRULED audit entry (actor_role admin, details.competencyId = the row, a non-blank
// reason) for every row inserted out of competent; or store the reason on the row and check it there.
// At least: btrim the setting, and say in docs/compliance.md that raw SQL as the app can overrule.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditLog } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { insertCompetency } from './support/compliance.js';
import { createSchoolBasics } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it('an overrule out of competent written by raw SQL without an admin audit entry (and with a blank reason) is refused', async () => {
  const { student } = await createSchoolBasics(app.db);
  await insertCompetency(app.db, student, 1, 'competent');

  const outcome = await app.db
    .transaction(async (tx) => {
      await tx.execute(sql`select set_config('nexdrive.competency_overrule', ' ', true)`);
      await insertCompetency(tx, student, 1, 'taught');
      return 'accepted';
    })
    .catch(() => 'refused');

  const audited = await app.db.$count(auditLog, and(eq(auditLog.eventType, 'COMPETENCY_OVERRULED'), eq(auditLog.subjectId, student.id)));
  expect({ outcome, audited }).toEqual({ outcome: 'refused', audited: 0 });
});
