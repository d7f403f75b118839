// The time a booking operation acts at. `now` moves notice, horizon and hold expiry, so a caller who
// could choose it could book inside the notice period or expire other people's holds: only admins and
// system actors that are jobs (cron:, webhook:, cli:...) may pass it. Users and AI agents (agent:...,
// who talk to the public) get FORBIDDEN; for them it is the current time.
import { ForbiddenError } from '../../db/errors.js';
import { isAgent } from '../core/actor.js';
import type { OperationContext } from '../core/context.js';

export function clockOf(ctx: OperationContext, now: Date | undefined): Date {
  if (now === undefined) return new Date();
  const a = ctx.actor;
  if (a.kind === 'admin' || (a.kind === 'system' && !isAgent(a))) return now;
  throw new ForbiddenError(`${a.kind === 'system' ? a.name : a.kind} may not set now; it is the current time`);
}
