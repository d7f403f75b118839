// The time a booking operation acts at: `now` when the input gave one (defineOperation has already
// checked the actor may give it, src/access/core/clock.ts), else the current time.
import type { OperationContext } from '../core/context.js';

export function clockOf(_ctx: OperationContext, now: Date | undefined): Date {
  return now ?? new Date();
}
