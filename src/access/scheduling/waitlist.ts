// The waitlist entries a freed slot answers (domain-rules.md "Scheduling"): still waiting, and each of
// instructor, service, preferred weekday and preferred time window either unset or matching the slot's
// Canberra weekday and wall-clock times. Oldest first: the first to ask is the first to be told.
import { and, asc, eq, gte, isNull, lte, or, sql, type Column, type SQL } from 'drizzle-orm';
import type { DatabaseOrTransaction } from '../../db/engines/handle.js';
import { students, waitlist } from '../../db/schema/index.js';
import type { Booking } from '../../db/types.js';
import { canberraDate } from '../../domain/time.js';
import { canberraTimeOfDay, weekdayOf } from '../../domain/wall-clock.js';

export const waitlistMatchColumns = {
  id: waitlist.id,
  studentId: waitlist.studentId,
  contactId: waitlist.contactId,
  instructorId: waitlist.instructorId,
  serviceId: waitlist.serviceId,
  preferredDay: waitlist.preferredDay,
  preferredTimeStart: waitlist.preferredTimeStart,
  preferredTimeEnd: waitlist.preferredTimeEnd,
  createdAt: waitlist.createdAt,
};
export type WaitlistMatch = {
  id: string;
  studentId: string | null;
  contactId: string | null;
  instructorId: string | null;
  serviceId: string | null;
  preferredDay: number | null;
  preferredTimeStart: string | null;
  preferredTimeEnd: string | null;
  createdAt: Date;
};

const unsetOr = (column: Column, match: SQL | undefined): SQL | undefined => or(isNull(column), match);

/** `forInstructor` keeps only entries that instructor may see: prospects, and their own students. */
export async function waitlistForSlot(
  db: DatabaseOrTransaction,
  slot: Pick<Booking, 'instructorId' | 'serviceId' | 'startTime' | 'endTime'>,
  forInstructor?: string,
): Promise<WaitlistMatch[]> {
  const date = canberraDate(slot.startTime);
  const sameDay = canberraDate(slot.endTime) === date || canberraTimeOfDay(slot.endTime) === '00:00:00';
  const startsAt = canberraTimeOfDay(slot.startTime);
  const endsAt = canberraTimeOfDay(slot.endTime) === '00:00:00' ? '24:00:00' : canberraTimeOfDay(slot.endTime);
  return db
    .select(waitlistMatchColumns)
    .from(waitlist)
    .where(
      and(
        eq(waitlist.status, 'waiting'),
        unsetOr(waitlist.instructorId, eq(waitlist.instructorId, slot.instructorId)),
        unsetOr(waitlist.serviceId, eq(waitlist.serviceId, slot.serviceId)),
        unsetOr(waitlist.preferredDay, eq(waitlist.preferredDay, weekdayOf(date))),
        unsetOr(waitlist.preferredTimeStart, lte(waitlist.preferredTimeStart, startsAt)),
        // A lesson running past midnight fits only an entry without an end of window.
        unsetOr(waitlist.preferredTimeEnd, sameDay ? gte(waitlist.preferredTimeEnd, endsAt) : undefined),
        forInstructor === undefined
          ? undefined
          : unsetOr(waitlist.studentId, sql`exists (select 1 from ${students} where ${students.id} = ${waitlist.studentId} and ${students.instructorId} = ${forInstructor})`),
      ),
    )
    .orderBy(asc(waitlist.createdAt), asc(waitlist.id));
}
