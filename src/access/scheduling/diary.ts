// Writing to an instructor's diary safely: one booker at a time per instructor, and holds that have run
// out cancelled before anyone needs their time.
import { and, eq, lte, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Transaction } from '../../db/engines/handle.js';
import { bookings } from '../../db/schema/index.js';
import { MINUTE_MS } from '../../domain/wall-clock.js';
import { recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { HOLD_EXPIRED_BY, HOLD_EXPIRED_REASON, SCHEDULING } from './rules.js';
import { bookingColumns, type BookingView } from './views.js';

/**
 * Serializes every booking write to one instructor's diary until the transaction ends (a transaction
 * advisory lock; other instructors' bookers are not held up). What is read after it includes every
 * booking committed by the previous holder, so availability checked then still holds at commit:
 * buffers, the daily cap and notice, which no constraint can see. The exclusion constraint stays as
 * the last line for overlaps.
 */
export async function lockDiary(tx: Transaction, instructorId: string): Promise<void> {
  await tx.execute(sql`select ${diaryLock(sql`${instructorId}::uuid`)}`);
}

/** The diary lock as an expression, to take it inside a statement that reads the row it is for. */
export function diaryLock(instructorId: SQLWrapper): SQL<unknown> {
  return sql`pg_advisory_xact_lock(hashtext('bookings.instructor'), hashtext((${instructorId})::text))`;
}

/**
 * Cancels pending bookings whose hold has run out (made more than SCHEDULING.holdMinutes before
 * `now`): all of them, or one instructor's. cancelled_by is HOLD_EXPIRED_BY, the reason
 * HOLD_EXPIRED_REASON; each gets an audit entry BOOKING_HOLD_EXPIRED by the acting actor.
 */
export async function expireHolds(ctx: OperationContext, now: Date, instructorId?: string): Promise<BookingView[]> {
  const expired = await ctx.tx
    .update(bookings)
    .set({ status: 'cancelled', cancelledBy: HOLD_EXPIRED_BY, cancellationReason: HOLD_EXPIRED_REASON })
    .where(
      and(
        eq(bookings.status, 'pending'),
        lte(bookings.createdAt, new Date(now.getTime() - SCHEDULING.holdMinutes * MINUTE_MS)),
        instructorId === undefined ? undefined : eq(bookings.instructorId, instructorId),
      ),
    )
    .returning(bookingColumns);
  for (const b of expired) {
    await recordAudit(ctx, {
      eventType: 'BOOKING_HOLD_EXPIRED',
      subjectType: 'booking',
      subjectId: b.id,
      details: { instructorId: b.instructorId, startTime: b.startTime.toISOString(), createdAt: b.createdAt.toISOString(), holdMinutes: SCHEDULING.holdMinutes },
    });
  }
  return expired;
}
