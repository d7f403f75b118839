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

/** A job, webhook, AI agent or command acting on the school's behalf, e.g. systemActor('cron:expire-holds'). */
export interface SystemActor {
  readonly system: string;
}

/**
 * The kinds of system actor, each its own column of the access matrix (design.md "Who acts"), by the
 * prefix of its name:
 *   job      cron:*             the school's own schedule; may choose the time it acts as (`now`)
 *   webhook  webhook:<gateway>  reports what its provider saw, only about its own provider's records
 *   agent    agent:*            an AI channel talking to the public: no more than the person it helps
 *   cli      cli:*              the operator at a terminal (link-instructor)
 */
export const SYSTEM_LANES = ['job', 'webhook', 'agent', 'cli'] as const;
export type SystemLane = (typeof SYSTEM_LANES)[number];
const LANE_OF_PREFIX: Readonly<Record<string, SystemLane>> = { cron: 'job', webhook: 'webhook', agent: 'agent', cli: 'cli' };

export type Actor = UserActor | SystemActor;

/** An actor whose reads may include staff-only fields (bookings.admin_notes): admins and instructors.
 *  System actors are not staff here: the AI agents that answer students act as system actors. */
export type StaffActor = UserActor & { readonly role: 'admin' | 'instructor' };

/** Clerk user ids look like user_2abcXYZ. */
export const CLERK_USER_ID = /^user_[A-Za-z0-9]+$/;
/** kind:name, lowercase, kind one of cron, webhook, agent, cli: cron:expire-holds, webhook:stripe, agent:sms, cli:link-instructor. */
const SYSTEM_ACTOR_NAME = /^(cron|webhook|agent|cli):[a-z0-9][a-z0-9:_.-]*$/;

export const actorSchema = z.union([
  z.strictObject({
    userId: z.string().regex(CLERK_USER_ID, 'a Clerk user id looks like user_2abc...'),
    role: z.enum(USER_ROLES),
  }),
  z.strictObject({
    system: z.string().max(100).regex(SYSTEM_ACTOR_NAME, 'a system actor is named cron:*, webhook:*, agent:* or cli:*, e.g. cron:expire-holds'),
  }),
]);

/** A named system actor for jobs, webhooks and agents; its name goes into every audit entry it causes. */
export function systemActor(name: string): SystemActor {
  if (!SYSTEM_ACTOR_NAME.test(name)) throw new TypeError(`system actor "${name}": expected cron:*, webhook:*, agent:* or cli:*, e.g. cron:expire-holds`);
  return Object.freeze({ system: name });
}

export function isSystemActor(actor: Actor): actor is SystemActor {
  return 'system' in actor;
}

/** The matrix column of a system actor's name (cron:x -> job, webhook:x -> webhook, ...). */
export function laneOf(name: string): SystemLane {
  const lane = LANE_OF_PREFIX[name.slice(0, name.indexOf(':'))];
  if (!lane) throw new TypeError(`system actor "${name}" has no known kind`);
  return lane;
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
  | { readonly kind: 'system'; readonly name: string; readonly userId: null; readonly lane: SystemLane };

export type ActorKind = ResolvedActor['kind'];

/** The columns of the access matrix: each kind of person, and each lane of system actor. */
export type MatrixColumn = Exclude<ActorKind, 'system'> | SystemLane;

/** The matrix column that decides for this actor. */
export function columnOf(actor: ResolvedActor): MatrixColumn {
  return actor.kind === 'system' ? actor.lane : actor.kind;
}

/** The provider a webhook reports for (webhook:stripe -> stripe); null for any other actor. */
export function webhookProvider(actor: ResolvedActor): string | null {
  return actor.kind === 'system' && actor.lane === 'webhook' ? actor.name.slice('webhook:'.length) : null;
}

/** What the actor is called in messages and in the columns a row records it by (booked_by,
 *  cancelled_by): a system actor's name, a person's Clerk user id. */
export function actorName(actor: ResolvedActor): string {
  return actor.kind === 'system' ? actor.name : actor.userId;
}
