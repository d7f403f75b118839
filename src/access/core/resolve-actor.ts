// Resolving an actor to its profile and its instructor, student or parent row, inside the operation's
// transaction, in one statement (production is Neon: each statement is a network round trip). A
// missing, deleted, suspended or inactive profile can do nothing (FORBIDDEN), and so can a session
// whose role is not the profile's role.
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
  // The profile with the one row of each kind that the user may have (user_id is unique in each table).
  const [row] = await tx
    .select({
      profileId: profiles.id,
      role: profiles.role,
      status: profiles.status,
      instructorId: instructors.id,
      instructorStatus: instructors.status,
      studentId: students.id,
      studentStatus: students.status,
      parentId: parents.id,
    })
    .from(profiles)
    .leftJoin(instructors, eq(instructors.userId, profiles.userId))
    .leftJoin(students, eq(students.userId, profiles.userId))
    .leftJoin(parents, eq(parents.userId, profiles.userId))
    .where(and(eq(profiles.userId, actor.userId), isNull(profiles.deletedAt)));
  if (!row) throw new ForbiddenError(`${actor.userId} has no NexDrive profile`, 'unknown_actor');
  if (row.status !== 'active') throw new ForbiddenError(`${actor.userId} is ${row.status}`, 'inactive_actor');
  if (row.role !== actor.role) throw new ForbiddenError(`${actor.userId} is ${row.role}, not ${actor.role}`, 'role_mismatch');
  const base = { userId: actor.userId, profileId: row.profileId };
  switch (actor.role) {
    case 'admin':
      return { kind: 'admin', ...base, instructorId: row.instructorId };
    case 'instructor':
      if (!row.instructorId) throw new ForbiddenError(`${actor.userId} has no instructor record`, 'unknown_actor');
      if (BARRED_INSTRUCTOR_STATUSES.has(row.instructorStatus!)) throw new ForbiddenError(`instructor ${actor.userId} is ${row.instructorStatus}`, 'inactive_actor');
      return { kind: 'instructor', ...base, instructorId: row.instructorId };
    case 'student':
      if (!row.studentId) throw new ForbiddenError(`${actor.userId} has no student record`, 'unknown_actor');
      if (BARRED_STUDENT_STATUSES.has(row.studentStatus!)) throw new ForbiddenError(`student ${actor.userId} is ${row.studentStatus}`, 'inactive_actor');
      return { kind: 'student', ...base, studentId: row.studentId };
    case 'parent':
      if (!row.parentId) throw new ForbiddenError(`${actor.userId} has no parent record`, 'unknown_actor');
      return { kind: 'parent', ...base, parentId: row.parentId };
  }
}

/**
 * For the one operation a person may call before they have the row of their role (acceptParentInvitation,
 * defineOperation's `newcomer: 'parent'`): a signed-in user acting as a parent whose account has no
 * parents row yet gets one, and a new account (the Clerk webhook makes every new account a student's)
 * becomes a parent's. Only a fresh account: one with an instructor or student row, or an admin's, is
 * FORBIDDEN (role_mismatch). This runs in the operation's transaction, so when the operation refuses (a bad
 * token), none of it stays. Anyone else is resolved as usual.
 */
export async function resolveParentNewcomer(tx: Transaction, actor: Actor): Promise<ResolvedActor> {
  if (isSystemActor(actor) || actor.role !== 'parent') return resolveActor(tx, actor);
  // The profile row first, locked: convertContact (and linkInstructor) lock it too before giving the
  // account a role row, so the statement below, with a snapshot taken after the lock, sees any student or
  // instructor row one of them just made, and one account never ends with two roles' rows.
  await tx.select({ id: profiles.id }).from(profiles).where(eq(profiles.userId, actor.userId)).for('update');
  const [row] = await tx
    .select({ profileId: profiles.id, role: profiles.role, status: profiles.status, instructorId: instructors.id, studentId: students.id, parentId: parents.id })
    .from(profiles)
    .leftJoin(instructors, eq(instructors.userId, profiles.userId))
    .leftJoin(students, eq(students.userId, profiles.userId))
    .leftJoin(parents, eq(parents.userId, profiles.userId))
    .where(and(eq(profiles.userId, actor.userId), isNull(profiles.deletedAt)));
  if (!row) throw new ForbiddenError(`${actor.userId} has no NexDrive profile yet (the Clerk webhook makes it)`, 'unknown_actor');
  if (row.status !== 'active') throw new ForbiddenError(`${actor.userId} is ${row.status}`, 'inactive_actor');
  if (row.parentId && row.role === 'parent') return { kind: 'parent', userId: actor.userId, profileId: row.profileId, parentId: row.parentId };
  if (row.instructorId || row.studentId || row.parentId || (row.role !== 'student' && row.role !== 'parent')) {
    throw new ForbiddenError(`${actor.userId} is ${row.role === 'admin' || row.role === 'instructor' ? 'an' : 'a'} ${row.role}'s account and cannot also be a parent's`, 'role_mismatch');
  }
  if (row.role !== 'parent') await tx.update(profiles).set({ role: 'parent' }).where(eq(profiles.id, row.profileId));
  const [parent] = await tx.insert(parents).values({ userId: actor.userId, profileId: row.profileId }).returning({ id: parents.id });
  return { kind: 'parent', userId: actor.userId, profileId: row.profileId, parentId: parent.id };
}
