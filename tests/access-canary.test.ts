// No private note, admin note, hidden bridge form or payment gateway response ever reaches a student, a
// parent or an AI agent, through any read the access layer exports. Unique strings are planted in each
// (tests/support/world.ts); every exported read is called as every student and parent actor (and a
// system actor), and the whole result, or the error, is serialised and searched. The reads are found by
// enumerating the module's exports: a read added later without a case here fails the suite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as access from '../src/access/index.js';
import type { Actor, OperationName } from '../src/access/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { availabilityOverrides, bookings, services } from '../src/db/schema/index.js';
import { canberraDate } from '../src/domain/time.js';
import { addDays } from '../src/domain/wall-clock.js';
import { bookingValues } from './support/fixtures.js';
import { buildWorld, CANARY, LESSON_COMMENT, withLink, type World } from './support/world.js';

let t: TestDb;
let w: World;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
  w = await buildWorld(t.db);
});
afterAll(() => t.dispose());

type ReadCall = (actor: Actor) => Promise<unknown>;

/** Every read of the access layer, asked about the world's student (or the school). */
const READS: Partial<Record<OperationName, ReadCall>> = {
  getStudent: (a) => access.getStudent(t.db, a, { studentId: w.student.id }),
  listLessons: (a) => access.listLessons(t.db, a, { studentId: w.student.id }),
  listBridgeForms: (a) => access.listBridgeForms(t.db, a, { studentId: w.student.id }),
  listPrivateNotes: (a) => access.listPrivateNotes(t.db, a, { studentId: w.student.id }),
  listBookings: async (a) => [
    await access.listBookings(t.db, a, { studentId: w.student.id }).catch(String),
    await access.listBookings(t.db, a, {}).catch(String),
    await access.listBookings(t.db, a, { instructorId: w.instructor.id }).catch(String),
  ],
  listPayments: (a) => access.listPayments(t.db, a, { studentId: w.student.id }),
  listAuditEvents: (a) => access.listAuditEvents(t.db, a, { limit: 1000 }),
  getStudentProgress: (a) => access.getStudentProgress(t.db, a, { studentId: w.student.id }),
  getInstructorProgressSummary: (a) => access.getInstructorProgressSummary(t.db, a, {}),
  getStudentContext: (a) => access.getStudentContext(t.db, a, { studentId: w.student.id }),
  listContacts: (a) => access.listContacts(t.db, a, {}),
  getLogbookSummary: (a) => access.getLogbookSummary(t.db, a, { studentId: w.student.id }),
  listSelfAssessments: (a) => access.listSelfAssessments(t.db, a, { studentId: w.student.id }),
  exportPersonData: (a) => access.exportPersonData(t.db, a, { studentId: w.student.id }),
};

const exportedReads = () =>
  Object.values(access)
    .filter((v): v is typeof v & { operation: { name: OperationName; kind: string } } => typeof v === 'function' && 'operation' in v)
    .filter((f) => f.operation.kind === 'read')
    .map((f) => f.operation.name)
    .sort();

/** The result, or the error's code and message: whatever the caller would get to see. */
async function seen(call: () => Promise<unknown>): Promise<string> {
  try {
    return JSON.stringify(await call());
  } catch (err) {
    return JSON.stringify({ error: (err as { code?: string }).code, message: (err as Error).message });
  }
}

const secrets = Object.values(CANARY);

describe('canary: private data never reaches students, parents or agents', () => {
  it('has a case for every read the access layer exports', () => {
    expect(Object.keys(READS).sort()).toEqual(exportedReads());
  });

  it('plants secrets that staff can reach, so the checks below are not vacuous', async () => {
    const admin = (await Promise.all(Object.values(READS).map((call) => seen(() => call!(w.actors.admin))))).join('\n');
    for (const secret of [CANARY.privateNote, CANARY.adminNotes, CANARY.hiddenBridgeForm]) expect(admin).toContain(secret);
    expect(admin).toContain(LESSON_COMMENT);
  });

  const actors: Array<[string, (w: World) => Actor]> = [
    ['the student', (x) => x.actors.student],
    ['another student', (x) => x.actors.otherStudent],
    ['the parent (every flag on)', (x) => x.actors.parent],
    ['an AI agent (agent:sms)', (x) => x.actors.agent],
    ['a job (cron:*)', (x) => x.actors.job],
    ['a webhook (webhook:stripe)', (x) => x.actors.webhook],
    ['a command (cli:*)', (x) => x.actors.cli],
  ];

  it.each(Object.keys(READS).flatMap((read) => actors.map(([name, actor]) => [read, name, actor] as const)))(
    '%s as %s shows no secret',
    async (read, _name, actor) => {
      const text = await seen(() => READS[read as OperationName]!(actor(w)));
      for (const secret of secrets) expect(text).not.toContain(secret);
    },
  );

  it('getAvailableSlots (public, no actor) answers start and end times only, with no secret', async () => {
    const date = addDays(canberraDate(new Date()), 5);
    await t.db.insert(availabilityOverrides).values({ instructorId: w.instructor.id, date, startTime: '09:00', endTime: '12:00', overrideType: 'available' });
    const slots = await access.getAvailableSlots(t.db, { instructorId: w.instructor.id, serviceId: w.serviceId, from: new Date(), to: new Date(Date.now() + 30 * 86_400_000) });
    expect(slots.length).toBeGreaterThan(0);
    for (const slot of slots) expect(Object.keys(slot).sort()).toEqual(['end', 'start']);
    const text = JSON.stringify(slots);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('listServices (public, no actor) answers the active services bookable online, with customer fields only', async () => {
    const [hidden] = await t.db.insert(services).values({ name: 'Staff only', slug: `staff-${Date.now()}`, durationMinutes: 60, priceCents: 1, category: 'lesson', isBookableOnline: false }).returning();
    const [retired] = await t.db.insert(services).values({ name: 'Retired', slug: `retired-${Date.now()}`, durationMinutes: 60, priceCents: 1, category: 'lesson', isActive: false }).returning();
    const list = await access.listServices(t.db);
    expect(list.length).toBeGreaterThan(0);
    expect(list.map((s) => s.id)).not.toContain(hidden.id);
    expect(list.map((s) => s.id)).not.toContain(retired.id);
    for (const service of list) expect(Object.keys(service).sort()).toEqual(['category', 'description', 'durationMinutes', 'id', 'name', 'priceCents', 'requiresEligibilityCheck', 'slug']);
    expect((await access.listServices(t.db, { category: 'co_lesson' })).every((s) => s.category === 'co_lesson')).toBe(true);
  });

  it('searchKnowledge (public, no actor) answers chunks of indexed documents only, with no secret', async () => {
    const near = (i: number) => Array.from({ length: 3072 }, (_, j) => (j === 0 ? 1 : j === i ? 0.5 : 0));
    await access.indexDocument(t.db, w.actors.admin, { title: 'Give way', sourceType: 'regulation', chunks: [{ content: 'Give way to the right', embedding: near(1) }] });
    const archived = await access.indexDocument(t.db, w.actors.admin, { title: 'Old', sourceType: 'regulation', chunks: [{ content: 'ARCHIVED-CONTENT', embedding: near(2) }] });
    await access.archiveDocument(t.db, w.actors.admin, { documentId: archived.id });
    const hits = await access.searchKnowledge(t.db, { embedding: near(3), topK: 10 });
    expect(hits.map((h) => h.content)).toEqual(['Give way to the right']);
    for (const hit of hits) expect(Object.keys(hit).sort()).toEqual(['chunkId', 'content', 'documentId', 'similarity', 'sourceType', 'title']);
    const text = JSON.stringify(hits);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('getStudentContext lists a confirmed lesson whose admin_notes hold a secret, without the secret', async () => {
    const start = new Date(Date.now() + 20 * 86_400_000);
    const [booking] = await t.db
      .insert(bookings)
      .values({ ...bookingValues(w.instructor.id, w.serviceId, start.toISOString()), scheduledDate: canberraDate(start), studentId: w.student.id, status: 'confirmed', adminNotes: CANARY.adminNotes })
      .returning();
    for (const [, actor] of actors) {
      const text = await seen(() => READS.getStudentContext!(actor(w)));
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    expect(await seen(() => READS.getStudentContext!(w.actors.agent))).toContain(booking.id);
    expect(await seen(() => READS.getStudentContext!(w.actors.admin))).not.toContain(CANARY.adminNotes);
  });

  it('shows the student their own lesson comments, but a parent without can_view_lesson_notes never', async () => {
    expect(await seen(() => READS.listLessons!(w.actors.student))).toContain(LESSON_COMMENT);
    expect(await seen(() => READS.listLessons!(w.actors.parent))).toContain(LESSON_COMMENT);
    await withLink(t.db, w, { canViewLessonNotes: false }, async () => {
      for (const call of Object.values(READS)) expect(await seen(() => call!(w.actors.parent))).not.toContain(LESSON_COMMENT);
    });
  });
});
