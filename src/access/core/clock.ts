// Who may choose the time an operation acts as. `now` moves notice, horizon, hold and package expiry, so
// a caller who could choose it could book inside the notice period, expire other people's holds or
// every package of the school. One rule for every operation whose input takes it (defineOperation
// applies it after resolving the actor): admins and the school's jobs (cron:*) may pass it; anyone
// else, people, webhooks, AI agents (who talk to the public) and commands, gets FORBIDDEN. For them
// `now` is the current time.
import { ForbiddenError } from '../../db/errors.js';
import { columnOf, type MatrixColumn, type ResolvedActor } from './actor.js';

export const MAY_SET_NOW: readonly MatrixColumn[] = ['admin', 'job'];

export function checkClockSetter(actor: ResolvedActor, input: unknown): void {
  if (input === null || typeof input !== 'object' || (input as { now?: unknown }).now === undefined) return;
  const column = columnOf(actor);
  if (!MAY_SET_NOW.includes(column)) {
    throw new ForbiddenError(`${actor.kind === 'system' ? actor.name : column} may not set now; it is the current time`);
  }
}
