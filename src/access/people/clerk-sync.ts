// syncClerkUser (issue 17 item 1, SPEC-02 section 12): Clerk's user.created, user.updated and
// user.deleted webhooks kept in profiles. Clerk delivers at least once and in any order, so:
//   * each event is applied in ONE upsert whose condition is "newer than the last event applied"
//     (profiles.clerk_synced_at, clerk_event_id: ./clerk-rules.ts isNewerEvent): a repeat, or an older
//     event arriving late, changes nothing, and concurrent deliveries are ordered by the row lock;
//   * a deletion is final: it deactivates the profile (status inactive, deleted_at) and nothing applies
//     after it. A deletion that arrives before its user's creation leaves a deactivated profile (a
//     tombstone) so the late creation does not bring the user back. Nothing is deleted: the student's
//     lessons, competencies and signatures stay, under their ids;
//   * a new profile is a student's, or a parent's when Clerk's public metadata says so; a webhook never
//     makes an admin or an instructor (linkInstructor does, as an admin or the CLI), and never changes a role;
//   * the user's verified primary email or phone links the live contact that has it and no user yet.
import { sql } from 'drizzle-orm';
import { queryRows } from '../../db/sql.js';
import { ForbiddenError } from '../../db/errors.js';
import { webhookProvider } from '../core/actor.js';
import { recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { clerkIdentity, type ClerkUser } from './clerk-rules.js';
import { syncClerkUserInput } from './inputs.js';

export interface SyncClerkUserResult {
  /** What the event did: `ignored` when it was a repeat, older than the last event applied, or after the deletion. */
  action: 'created' | 'updated' | 'deactivated' | 'ignored';
  profileId: string | null;
  /** Contacts this event linked to the user (by a verified email or phone). */
  linkedContactIds: string[];
}

type Applied = { id: string; inserted: boolean };

export const syncClerkUser = defineOperation({
  name: 'syncClerkUser',
  kind: 'write',
  input: syncClerkUserInput,
  async run(ctx, input): Promise<SyncClerkUserResult> {
    ctx.school();
    const provider = webhookProvider(ctx.actor);
    if (provider !== null && provider !== 'clerk') throw new ForbiddenError(`webhook:${provider} may not report Clerk users`);
    const event = { eventId: input.eventId, at: input.occurredAt.toISOString() };
    if (input.type === 'user.deleted') return deactivate(ctx, input.user.id, event);
    return upsert(ctx, input.user as ClerkUser, input.type, event);
  },
});

type Event = { eventId: string; at: string };

/** The profile as the event says, if the event is newer than the last one applied and the user is not deleted. */
async function upsert(ctx: OperationContext, user: ClerkUser, type: string, event: Event): Promise<SyncClerkUserResult> {
  const who = clerkIdentity(user);
  const [row] = await queryRows<Applied>(ctx.tx, sql`
    insert into profiles (user_id, first_name, last_name, email, phone, avatar_url, role, clerk_synced_at, clerk_event_id)
    values (${user.id}, ${who.firstName}, ${who.lastName}, ${who.email}, ${who.phone}, ${who.avatarUrl}, ${who.roleForNewProfile},
            ${event.at}::timestamptz, ${event.eventId})
    on conflict (user_id) do update set
      -- Clerk owns identity; an empty name or email (a user who signed up by phone) never blanks one we have
      first_name = coalesce(nullif(excluded.first_name, ''), profiles.first_name),
      last_name = coalesce(nullif(excluded.last_name, ''), profiles.last_name),
      email = coalesce(nullif(excluded.email, ''), profiles.email),
      phone = excluded.phone, avatar_url = excluded.avatar_url,
      clerk_synced_at = excluded.clerk_synced_at, clerk_event_id = excluded.clerk_event_id
    where profiles.deleted_at is null
      and (profiles.clerk_synced_at is null
           or (profiles.clerk_synced_at, profiles.clerk_event_id) < (excluded.clerk_synced_at, excluded.clerk_event_id))
    returning id, (xmax = 0) as inserted`);
  if (!row) return { action: 'ignored', profileId: null, linkedContactIds: [] };
  const linked = await linkContacts(ctx, user.id, who.verifiedEmail, who.verifiedPhone);
  const action = row.inserted ? 'created' : 'updated';
  await recordAudit(ctx, {
    eventType: row.inserted ? 'PROFILE_CREATED' : 'PROFILE_UPDATED',
    subjectType: 'profile',
    subjectId: row.id,
    details: { clerkUserId: user.id, clerkEventId: event.eventId, clerkEventType: type, linkedContactIds: linked },
  });
  return { action, profileId: row.id, linkedContactIds: linked };
}

/** Links the live contacts that have the user's verified email or phone and no user yet. */
async function linkContacts(ctx: OperationContext, userId: string, email: string | null, phone: string | null): Promise<string[]> {
  if (email === null && phone === null) return [];
  const rows = await queryRows<{ id: string }>(ctx.tx, sql`
    update contacts set user_id = ${userId}
     where deleted_at is null and user_id is null
       and (lower(email) = lower(${email}::text) or phone = ${phone}::text)
    returning id`);
  return rows.map((r) => r.id).sort();
}

/** Deactivates the profile (or leaves a tombstone for a user never seen): final, whatever comes after. */
async function deactivate(ctx: OperationContext, userId: string, event: Event): Promise<SyncClerkUserResult> {
  const [row] = await queryRows<Applied>(ctx.tx, sql`
    insert into profiles (user_id, first_name, last_name, email, role, status, deleted_at, clerk_synced_at, clerk_event_id)
    values (${userId}, '', '', '', 'student', 'inactive', ${event.at}::timestamptz, ${event.at}::timestamptz, ${event.eventId})
    on conflict (user_id) do update set
      status = 'inactive', deleted_at = excluded.deleted_at,
      clerk_synced_at = excluded.clerk_synced_at, clerk_event_id = excluded.clerk_event_id
    where profiles.deleted_at is null
    returning id, (xmax = 0) as inserted`);
  if (!row) return { action: 'ignored', profileId: null, linkedContactIds: [] };
  await recordAudit(ctx, {
    eventType: 'PROFILE_DEACTIVATED',
    severity: 'warning',
    subjectType: 'profile',
    subjectId: row.id,
    details: { clerkUserId: userId, clerkEventId: event.eventId, beforeCreation: row.inserted },
  });
  return { action: 'deactivated', profileId: row.id, linkedContactIds: [] };
}
