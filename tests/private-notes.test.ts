// Private notes through the access layer: an instructor writes notes about their own students and reads
// the notes they wrote; admins read all; students, parents and agents find none (NOT_FOUND); the note's
// words never reach the audit log.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPrivateNote, listPrivateNotes, systemActor } from '../src/access/index.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../src/db/errors.js';
import { auditLog, students } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, createAdmin, createInstructor, createLesson, createParent, createSchoolBasics, failureOf, lessonValues } from './support/fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

describe(addPrivateNote.name, () => {
  it('records the note for the instructor, about a lesson of the student, and audits that a note exists, not what it says', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const lesson = await createLesson(t.db, lessonValues(instructor.id, student.id, 1));
    const note = await addPrivateNote(t.db, actorOf.instructor(instructor), { studentId: student.id, lessonId: lesson.id, note: 'Freezes at the Northbourne roundabout', noteType: 'lesson_specific' });
    expect(note).toMatchObject({ instructorId: instructor.id, studentId: student.id, lessonId: lesson.id, noteType: 'lesson_specific' });
    const entries = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, student.id));
    expect(entries.map((e) => e.eventType)).toContain('PRIVATE_NOTE_CREATED');
    expect(JSON.stringify(entries)).not.toContain('Northbourne');
  });

  it("refuses a lesson of another student, an empty note and an unknown type; an admin may not author one", async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const other = await createSchoolBasics(t.db);
    const theirLesson = await createLesson(t.db, lessonValues(other.instructor.id, other.student.id, 1));
    const asInstructor = actorOf.instructor(instructor);
    expect(await failureOf(() => addPrivateNote(t.db, asInstructor, { studentId: student.id, lessonId: theirLesson.id, note: 'x', noteType: 'general' }))).toBeInstanceOf(NotFoundError);
    const bad = await failureOf(() => addPrivateNote(t.db, asInstructor, { studentId: student.id, note: ' ', noteType: 'gossip' as never }));
    expect((bad as ValidationError).fields).toEqual(['note', 'noteType']);
    const asAdmin = actorOf.admin(await createAdmin(t.db));
    expect(await failureOf(() => addPrivateNote(t.db, asAdmin, { studentId: student.id, note: 'x', noteType: 'general' }))).toBeInstanceOf(ForbiddenError);
  });
});

describe(listPrivateNotes.name, () => {
  it('gives an instructor only the notes they wrote, an admin all, and the student, a parent and an agent nothing (NOT_FOUND)', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    await addPrivateNote(t.db, actorOf.instructor(instructor), { studentId: student.id, note: 'by the first instructor', noteType: 'general' });
    // The student moves to a new instructor, who writes a note too.
    const next = await createInstructor(t.db);
    await t.db.update(students).set({ instructorId: next.id }).where(eq(students.id, student.id));
    await addPrivateNote(t.db, actorOf.instructor(next), { studentId: student.id, note: 'by the second instructor', noteType: 'general' });
    expect((await listPrivateNotes(t.db, actorOf.instructor(next), { studentId: student.id })).map((n) => n.note)).toEqual(['by the second instructor']);
    expect(await failureOf(() => listPrivateNotes(t.db, actorOf.instructor(instructor), { studentId: student.id }))).toBeInstanceOf(NotFoundError);
    const asAdmin = actorOf.admin(await createAdmin(t.db));
    expect((await listPrivateNotes(t.db, asAdmin, { studentId: student.id })).map((n) => n.note).sort()).toEqual([
      'by the first instructor', 'by the second instructor',
    ]);
    const { parent } = await createParent(t.db, student.id);
    for (const actor of [actorOf.student(student), actorOf.parent(parent), systemActor('agent:web-chat')]) {
      expect(await failureOf(() => listPrivateNotes(t.db, actor, { studentId: student.id }))).toBeInstanceOf(NotFoundError);
    }
  });
});
