// Who acts. Every operation takes the acting user as its second argument: the Clerk user id and the
// role the application's session says it has, or a named system actor for jobs, webhooks and agents.
// Nothing here is trusted as given: resolveActor() checks it against the database inside the
// operation's transaction.
import { z } from 'zod';
import { USER_ROLES } from '../../db/schema/enums.js';
import type { UserRole } from '../../db/types.js';

/** A signed-in person, as the application's session names them. */
export interface UserActor {
  readonly userId: string;
  readonly role: UserRole;
}

/** A job, webhook or AI agent acting on the school's behalf, e.g. systemActor('cron:expire-holds'). */
export interface SystemActor {
  readonly system: string;
}

export type Actor = UserActor | SystemActor;

/** An actor whose reads may include staff-only fields (bookings.admin_notes): admins and instructors.
 *  System actors are not staff here: the AI agents that answer students act as system actors. */
export type StaffActor = UserActor & { readonly role: 'admin' | 'instructor' };

/** Clerk user ids look like user_2abcXYZ. */
export const CLERK_USER_ID = /^user_[A-Za-z0-9]+$/;
/** kind:name, lowercase: cron:expire-holds, webhook:stripe, agent:sms, cli:link-instructor. */
const SYSTEM_ACTOR_NAME = /^[a-z][a-z0-9-]*:[a-z0-9][a-z0-9:_.-]*$/;

export const actorSchema = z.union([
  z.strictObject({
    userId: z.string().regex(CLERK_USER_ID, 'a Clerk user id looks like user_2abc...'),
    role: z.enum(USER_ROLES),
  }),
  z.strictObject({
    system: z.string().regex(SYSTEM_ACTOR_NAME, 'a system actor is named like cron:expire-holds'),
  }),
]);

/** A named system actor for jobs, webhooks and agents; its name goes into every audit entry it causes. */
export function systemActor(name: string): SystemActor {
  if (!SYSTEM_ACTOR_NAME.test(name)) throw new TypeError(`system actor "${name}": expected kind:name, e.g. cron:expire-holds`);
  return Object.freeze({ system: name });
}

export function isSystemActor(actor: Actor): actor is SystemActor {
  return 'system' in actor;
}

/** An AI agent talking to the public (agent:sms, agent:voice, agent:web-chat): a system actor, but
 *  never trusted with what a job may do (choose the time, confirm an unpaid booking). */
export function isAgent(actor: { kind: 'system'; name: string } | SystemActor): boolean {
  return ('name' in actor ? actor.name : actor.system).startsWith('agent:');
}

/**
 * The actor as the database knows it, inside an operation's transaction. Each kind carries the row
 * its rights are decided by. An admin who also teaches has an instructorId.
 */
export type ResolvedActor =
  | { readonly kind: 'admin'; readonly userId: string; readonly profileId: string; readonly instructorId: string | null }
  | { readonly kind: 'instructor'; readonly userId: string; readonly profileId: string; readonly instructorId: string }
  | { readonly kind: 'student'; readonly userId: string; readonly profileId: string; readonly studentId: string }
  | { readonly kind: 'parent'; readonly userId: string; readonly profileId: string; readonly parentId: string }
  | { readonly kind: 'system'; readonly name: string; readonly userId: null };

export type ActorKind = ResolvedActor['kind'];
