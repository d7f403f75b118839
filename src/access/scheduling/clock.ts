// The time a booking operation acts at. `now` moves notice, horizon and hold expiry, so a caller who
// could choose it could book inside the notice period or expire other people's holds: only admins and
// system actors (jobs, tests, back-office corrections) may pass it; anyone else gets FORBIDDEN.
import { ForbiddenError } from '../../db/errors.js';
import type { OperationContext } from '../core/context.js';

export function clockOf(ctx: OperationContext, now: Date | undefined): Date {
  if (now === undefined) return new Date();
  if (ctx.actor.kind !== 'admin' && ctx.actor.kind !== 'system') throw new ForbiddenError(`${ctx.actor.kind} may not set now; it is the current time`);
  return now;
}
