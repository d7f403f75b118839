// Private coaching notes: an instructor's own notes about their students. Visible to the instructor
// who wrote them and to admins; never to a student, a parent or an AI agent, for whom they do not
// exist (NOT_FOUND, by the access matrix). This is the only way the access layer reads them.
import { and, desc, eq } from 'drizzle-orm';
import { createInsertSchema } from 'drizzle-zod';
import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '../../db/errors.js';
import { lessons, privateNotes } from '../../db/schema/index.js';
import type { PrivateNote } from '../../db/types.js';
import { recordAudit } from '../core/audit.js';
import { defineOperation } from '../core/operation.js';
import { id, text } from '../core/validation.js';

export type PrivateNoteView = Pick<PrivateNote, 'id' | 'instructorId' | 'studentId' | 'lessonId' | 'note' | 'noteType' | 'createdAt' | 'updatedAt'>;

const noteColumns = {
  id: privateNotes.id,
  instructorId: privateNotes.instructorId,
  studentId: privateNotes.studentId,
  lessonId: privateNotes.lessonId,
  note: privateNotes.note,
  noteType: privateNotes.noteType,
  createdAt: privateNotes.createdAt,
  updatedAt: privateNotes.updatedAt,
};

/** A student's private notes: an instructor gets the notes they wrote, an admin all of them. */
export const listPrivateNotes = defineOperation({
  name: 'listPrivateNotes',
  kind: 'read',
  input: z.strictObject({ studentId: id() }),
  async run(ctx, { studentId }): Promise<PrivateNoteView[]> {
    await ctx.student(studentId);
    const a = ctx.actor;
    const mine = a.kind === 'instructor' ? eq(privateNotes.instructorId, a.instructorId) : undefined;
    return ctx.tx.select(noteColumns).from(privateNotes).where(and(eq(privateNotes.studentId, studentId), mine)).orderBy(desc(privateNotes.createdAt));
  },
});

export const addPrivateNoteInput = createInsertSchema(privateNotes, { note: () => text(4000) })
  .pick({ note: true, noteType: true })
  .extend({ studentId: id(), lessonId: id().optional() })
  .strict();

/** The student's instructor writes a private note, optionally about one of the student's lessons. */
export const addPrivateNote = defineOperation({
  name: 'addPrivateNote',
  kind: 'write',
  input: addPrivateNoteInput,
  async run(ctx, input): Promise<PrivateNoteView> {
    const { student } = await ctx.student(input.studentId);
    const a = ctx.actor;
    if (a.kind !== 'instructor') throw new ForbiddenError('only an instructor writes private notes');
    if (input.lessonId) {
      const [lesson] = await ctx.tx.select({ id: lessons.id }).from(lessons).where(and(eq(lessons.id, input.lessonId), eq(lessons.studentId, student.id)));
      if (!lesson) throw new NotFoundError(`lesson ${input.lessonId} not found for this student`);
    }
    const [note] = await ctx.tx
      .insert(privateNotes)
      .values({ ...input, instructorId: a.instructorId })
      .returning(noteColumns);
    // The note's words never go into the audit log.
    await recordAudit(ctx, { eventType: 'PRIVATE_NOTE_CREATED', subjectType: 'student', subjectId: student.id, details: { noteId: note.id, noteType: note.noteType } });
    return note;
  },
});
