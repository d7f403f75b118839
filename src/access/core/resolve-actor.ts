// Resolving an actor to its profile and its instructor, student or parent row, inside the operation's
// transaction. A missing, deleted, suspended or inactive profile can do nothing (FORBIDDEN), and so
// can a session whose role is not the profile's role.
import { and, eq, isNull } from 'drizzle-orm';
import type { Transaction } from '../../db/engines/handle.js';
import { ForbiddenError } from '../../db/errors.js';
import { instructors, parents, profiles, students } from '../../db/schema/index.js';
import { isSystemActor, laneOf, type Actor, type ResolvedActor } from './actor.js';

/** Instructor and student rows in these states act as if their profile were inactive. */
const BARRED_INSTRUCTOR_STATUSES = new Set(['inactive', 'suspended']);
const BARRED_STUDENT_STATUSES = new Set(['suspended']);

export async function resolveActor(tx: Transaction, actor: Actor): Promise<ResolvedActor> {
  if (isSystemActor(actor)) return { kind: 'system', name: actor.system, userId: null, lane: laneOf(actor.system) };
  const [profile] = await tx
    .select({ id: profiles.id, role: profiles.role, status: profiles.status })
    .from(profiles)
    .where(and(eq(profiles.userId, actor.userId), isNull(profiles.deletedAt)));
  if (!profile) throw new ForbiddenError(`${actor.userId} has no NexDrive profile`, 'unknown_actor');
  if (profile.status !== 'active') throw new ForbiddenError(`${actor.userId} is ${profile.status}`, 'inactive_actor');
  if (profile.role !== actor.role) {
    throw new ForbiddenError(`${actor.userId} is ${profile.role}, not ${actor.role}`, 'role_mismatch');
  }
  const base = { userId: actor.userId, profileId: profile.id };
  switch (actor.role) {
    case 'admin': {
      const [teaching] = await tx.select({ id: instructors.id }).from(instructors).where(eq(instructors.userId, actor.userId));
      return { kind: 'admin', ...base, instructorId: teaching?.id ?? null };
    }
    case 'instructor': {
      const [row] = await tx.select({ id: instructors.id, status: instructors.status }).from(instructors).where(eq(instructors.userId, actor.userId));
      if (!row) throw new ForbiddenError(`${actor.userId} has no instructor record`, 'unknown_actor');
      if (BARRED_INSTRUCTOR_STATUSES.has(row.status)) throw new ForbiddenError(`instructor ${actor.userId} is ${row.status}`, 'inactive_actor');
      return { kind: 'instructor', ...base, instructorId: row.id };
    }
    case 'student': {
      const [row] = await tx.select({ id: students.id, status: students.status }).from(students).where(eq(students.userId, actor.userId));
      if (!row) throw new ForbiddenError(`${actor.userId} has no student record`, 'unknown_actor');
      if (BARRED_STUDENT_STATUSES.has(row.status)) throw new ForbiddenError(`student ${actor.userId} is ${row.status}`, 'inactive_actor');
      return { kind: 'student', ...base, studentId: row.id };
    }
    case 'parent': {
      const [row] = await tx.select({ id: parents.id }).from(parents).where(eq(parents.userId, actor.userId));
      if (!row) throw new ForbiddenError(`${actor.userId} has no parent record`, 'unknown_actor');
      return { kind: 'parent', ...base, parentId: row.id };
    }
  }
}
