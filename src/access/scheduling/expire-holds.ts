// The job that cancels pending bookings whose hold has run out (SCHEDULING.holdMinutes after they were
// made), so they stop blocking their slot: run it often as systemActor('cron:expire-holds'). A booking
// of the same instructor also cancels that instructor's expired holds first (./diary.ts), so nothing
// waits for the job.
import { defineOperation } from '../core/operation.js';
import { clockOf } from './clock.js';
import { expireHolds } from './diary.js';
import { expirePendingBookingsInput } from './inputs.js';
import type { BookingView } from './views.js';

export const expirePendingBookings = defineOperation({
  name: 'expirePendingBookings',
  kind: 'write',
  input: expirePendingBookingsInput,
  async run(ctx, input): Promise<{ expired: BookingView[] }> {
    ctx.school();
    return { expired: await expireHolds(ctx, clockOf(ctx, input.now)) };
  },
});
