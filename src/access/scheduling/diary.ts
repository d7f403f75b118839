// Writing to an instructor's diary safely: one booker at a time per instructor, and holds that have run
// out cancelled before anyone needs their time.
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { MINUTE_MS } from '../../domain/wall-clock.js';
import { auditInsert } from '../core/audit.js';
import { jsonObjectOf, rowsFromJson } from '../core/views.js';
import { queryRows } from '../../db/sql.js';
import type { OperationContext } from '../core/context.js';
import { HOLD_EXPIRED_BY, HOLD_EXPIRED_REASON, SCHEDULING } from './rules.js';
import { bookingColumns, type BookingView } from './views.js';

/**
 * The diary lock, as an expression for the statement that reads the instructor's row (or the row that
 * names the instructor), so taking it costs no round trip of its own (issue 20). It serializes every
 * booking write to one instructor's diary until the transaction ends (a transaction advisory lock;
 * other instructors' bookers are not held up). What is read in the statements after it includes every
 * booking committed by the previous holder, so availability checked then still holds at commit:
 * buffers, the daily cap and notice, which no constraint can see. The exclusion constraint stays as the
 * last line for overlaps. (Not the statement itself: its snapshot is taken before the lock.)
 */
export function diaryLock(instructorId: SQLWrapper): SQL<unknown> {
  return sql`pg_advisory_xact_lock(hashtext('bookings.instructor'), hashtext((${instructorId})::text))`;
}

/**
 * The start of a statement that cancels pending bookings whose hold has run out (made more than
 * SCHEDULING.holdMinutes before `now`), all of them or one instructor's, and writes each one's audit
 * entry BOOKING_HOLD_EXPIRED by the acting actor, in the same statement (issue 20): the CTEs "expired"
 * (the cancelled bookings, every column) and "expired_entries". cancelled_by is HOLD_EXPIRED_BY, the
 * reason HOLD_EXPIRED_REASON.
 * The entries read "expired" through a sort, which takes every row before it gives one: so every hold
 * is cancelled (waiting, if it must, for a transaction that holds one, such as its owner confirming it)
 * before the first entry takes the audit chain's lock. Interleaved, a confirmation waiting for that lock
 * while this statement waits for its booking would be a deadlock (an attack review found it).
 * Read the schedule in a later statement, never in this one: this one's snapshot predates the waits, so
 * it would see a hold its owner confirmed meanwhile as pending and run out, and so free.
 */
function expireHoldsCtes(ctx: OperationContext, now: Date, instructorId?: string): SQL {
  const cutoff = new Date(now.getTime() - SCHEDULING.holdMinutes * MINUTE_MS);
  const iso = (column: string) => sql`to_char(touched.${sql.identifier(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const entries = auditInsert(ctx, [{ eventType: 'BOOKING_HOLD_EXPIRED', subjectType: 'booking', details: { holdMinutes: SCHEDULING.holdMinutes } }], {
    from: sql`(select * from expired order by id) as touched`,
    subjectId: sql`touched.id`,
    details: { instructorId: sql`touched.instructor_id`, startTime: iso('start_time'), createdAt: iso('created_at') },
  });
  return sql`with expired as (
      update bookings set status = 'cancelled', cancelled_by = ${HOLD_EXPIRED_BY}, cancellation_reason = ${HOLD_EXPIRED_REASON}
       where status = 'pending' and created_at <= ${cutoff}${instructorId === undefined ? sql`` : sql` and instructor_id = ${instructorId}`}
      returning *),
    expired_entries as (${entries})`;
}

/** The bookings "expired" (expireHoldsCtes) cancelled, as a JSON array of views (rowsFromJson(bookingColumns, ...)). */
const EXPIRED_BOOKINGS_JSON = sql`(select coalesce(jsonb_agg(${jsonObjectOf(bookingColumns)} order by bookings.start_time, bookings.id), '[]') from expired as bookings)`;

/** Cancels run-out holds (expireHoldsCtes) in one statement; returns the bookings it cancelled. */
export async function expireHolds(ctx: OperationContext, now: Date, instructorId?: string): Promise<BookingView[]> {
  const [row] = await queryRows<{ expired: Array<Record<string, unknown>> }>(ctx.tx, sql`${expireHoldsCtes(ctx, now, instructorId)} select ${EXPIRED_BOOKINGS_JSON} as expired`);
  return rowsFromJson(bookingColumns, row.expired);
}
