// A small school for the access-layer tests: one student with everything that belongs to a student
// (lessons in each signing state, bookings, payments, bridge forms, private notes), their instructor,
// another instructor and another student, an admin, a suspended admin, one linked parent, and a
// system actor. Secret strings (CANARY) sit in every place a student or parent must never see.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { systemActor, type Actor } from '../../src/access/index.js';
import type { DatabaseOrTransaction } from '../../src/db/engines/handle.js';
import { bookings, lessonBridgeForms, lessons, parentStudentLinks, payments, privateNotes, signatures, students } from '../../src/db/schema/index.js';
import type { ParentStudentLink } from '../../src/db/types.js';
import {
  actorOf, bookingValues, createAdmin, createInstructor, createLesson, createParent, createStudent, lessonValues, serviceId,
} from './fixtures.js';

/** Strings that must never reach a student, a parent or an agent. */
export const CANARY = {
  privateNote: `CANARY-private-note-${randomUUID()}`,
  adminNotes: `CANARY-admin-notes-${randomUUID()}`,
  hiddenBridgeForm: `CANARY-hidden-bridge-form-${randomUUID()}`,
  gatewayResponse: `CANARY-gateway-response-${randomUUID()}`,
} as const;
/** A lesson comment: students see it; parents only with can_view_lesson_notes. */
export const LESSON_COMMENT = `comment-for-the-logbook-${randomUUID()}`;

export type World = Awaited<ReturnType<typeof buildWorld>>;

export async function buildWorld(db: DatabaseOrTransaction) {
  const instructor = await createInstructor(db);
  const otherInstructor = await createInstructor(db);
  const student = await createStudent(db, instructor.id);
  const otherStudent = await createStudent(db, instructor.id);
  const admin = await createAdmin(db);
  const suspendedAdmin = await createAdmin(db, { status: 'suspended' });
  const { parent, link } = await createParent(db, student.id);
  const svc = await serviceId(db);

  const completedLesson = await createLesson(db, { ...lessonValues(instructor.id, student.id, 1), comments: LESSON_COMMENT });
  await signLesson(db, completedLesson.id, instructor.userId, student.userId);
  await db.insert(privateNotes).values({ instructorId: instructor.id, studentId: student.id, lessonId: completedLesson.id, note: CANARY.privateNote, noteType: 'safety_concern' });
  await db.insert(bookings).values({ ...bookingValues(instructor.id, svc, '2026-12-03T10:00:00+11:00'), studentId: student.id, adminNotes: CANARY.adminNotes, bookingNotes: 'Pick up at the library' });
  await db.insert(lessonBridgeForms).values([
    { lessonId: completedLesson.id, studentId: student.id, instructorId: instructor.id, skillsCovered: [{ task_number: 3 }], positives: CANARY.hiddenBridgeForm, isVisibleToParent: false, isVisibleToStudent: false },
  ]);
  const visibleFormLesson = await createLesson(db, lessonValues(instructor.id, student.id, 2));
  await db.insert(lessonBridgeForms).values({ lessonId: visibleFormLesson.id, studentId: student.id, instructorId: instructor.id, skillsCovered: [{ task_number: 4 }], positives: 'Smooth steering' });
  await db.insert(payments).values({ studentId: student.id, amountCents: 10500, paymentMethod: 'card', status: 'completed', gatewayResponse: { raw: CANARY.gatewayResponse } });

  return {
    instructor, otherInstructor, student, otherStudent, admin, suspendedAdmin, parent, link, serviceId: svc, completedLesson,
    actors: {
      admin: actorOf.admin(admin),
      // one of each lane of system actor (src/access/core/actor.ts)
      job: systemActor('cron:matrix') as Actor,
      webhook: systemActor('webhook:stripe') as Actor,
      agent: systemActor('agent:sms') as Actor,
      cli: systemActor('cli:matrix') as Actor,
      ownInstructor: actorOf.instructor(instructor),
      otherInstructor: actorOf.instructor(otherInstructor),
      student: actorOf.student(student),
      otherStudent: actorOf.student(otherStudent),
      parent: actorOf.parent(parent),
      suspended: actorOf.admin(suspendedAdmin),
    },
  };
}

/** Both signing steps in raw SQL (the signers are the lesson's own people), for fixtures. */
export async function signLesson(db: DatabaseOrTransaction, lessonId: string, instructorUserId: string, studentUserId: string) {
  const [i] = await db.insert(signatures).values({ signerId: instructorUserId, signerRole: 'instructor', documentType: 'lesson', documentId: lessonId, signatureUrl: 'r2://i.png' }).returning();
  await db.update(lessons).set({ status: 'pending_student_signature', instructorSignatureId: i.id }).where(eq(lessons.id, lessonId));
  const [s] = await db.insert(signatures).values({ signerId: studentUserId, signerRole: 'student', documentType: 'lesson', documentId: lessonId, signatureUrl: 'r2://s.png' }).returning();
  await db.update(lessons).set({ status: 'completed', studentSignatureId: s.id }).where(eq(lessons.id, lessonId));
}

/** Runs `use` with the world's parent link changed, then puts it back. */
export async function withLink<T>(db: DatabaseOrTransaction, w: World, change: Partial<ParentStudentLink>, use: () => Promise<T>): Promise<T> {
  await db.update(parentStudentLinks).set(change).where(eq(parentStudentLinks.id, w.link.id));
  try {
    return await use();
  } finally {
    const { id: _id, createdAt: _c, updatedAt: _u, ...original } = w.link;
    await db.update(parentStudentLinks).set(original).where(eq(parentStudentLinks.id, w.link.id));
  }
}

/** Runs `use` with the student's parent_visibility (the master switch) off, then puts it back. */
export async function withParentVisibilityOff<T>(db: DatabaseOrTransaction, w: World, use: () => Promise<T>): Promise<T> {
  await db.update(students).set({ parentVisibility: false }).where(eq(students.id, w.student.id));
  try {
    return await use();
  } finally {
    await db.update(students).set({ parentVisibility: true }).where(eq(students.id, w.student.id));
  }
}
