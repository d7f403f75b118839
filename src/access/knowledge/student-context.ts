// getStudentContext: what the SMS, voice and web-chat agents may know about the student they are
// talking to: their next three confirmed lessons, their CBT&A progress counts, their logbook hours and
// their package credits. Every part is an explicit column list (./views.ts) or a count: never a private
// note, admin_notes or a gateway response, whoever asks (the canary test checks it).
//
// Reused, not rewritten: the logbook hours are loadLogbookHours() (../logbook/hours.ts, the same query
// as getLogbookSummary); the competency counts are progressOf() over loadProgressInputs() (the same
// judgement as getStudentProgress, at the database's clock). A parent gets the context only with
// can_view_progress (the row's flag), and each part behind another flag only with that flag too:
// nextBookings null without can_view_bookings, packageCredits null without can_view_payments.
import { sql } from 'drizzle-orm';
import { bookings, instructors, packages, profiles, services, studentPackages } from '../../db/schema/index.js';
import type { CompetencyStatus } from '../../db/types.js';
import { loadLogbookHours, type LogbookHours } from '../logbook/hours.js';
import { defineOperation } from '../core/operation.js';
import { jsonObjectOf, rowsFromJson } from '../core/views.js';
import { queryRows } from '../../db/sql.js';
import { progressOf } from '../compliance/rules.js';
import { loadProgressInputs } from '../compliance/state.js';
import { studentContextInput } from './inputs.js';
import { contextBookingColumns, contextPackageColumns, type ContextBooking, type ContextPackage } from './views.js';

/** How many coming lessons the context lists. */
export const CONTEXT_NEXT_BOOKINGS = 3;

export interface StudentContext {
  studentId: string;
  firstName: string;
  transmission: string;
  /** students.status: active, inactive, completed, suspended. */
  status: string;
  /** The next confirmed lessons that have not started, soonest first (null: a parent without can_view_bookings). */
  nextBookings: ContextBooking[] | null;
  /** Active tasks by status in the student's transmission, and the certificate once issued. */
  competencies: { counts: Record<CompetencyStatus, number>; activeTasks: number; certificateNumber: string | null };
  /** Completed lessons, one per lesson number (a completed correction replaces what it corrects). */
  logbook: LogbookHours;
  /** Active, unexpired packages with credits left (null: a parent without can_view_payments). */
  packageCredits: { creditsRemaining: number; packages: ContextPackage[] } | null;
  /** The database's clock the context was read at. */
  asOf: Date;
}

export const getStudentContext = defineOperation({
  name: 'getStudentContext',
  kind: 'read',
  input: studentContextInput,
  async run(ctx, { studentId }): Promise<StudentContext> {
    const { student, parentLink } = await ctx.student(studentId);
    const { tasks, state, now, cooldownMs } = await loadProgressInputs(ctx.tx, student.id, student.transmission);
    const { counts } = progressOf(tasks, state, now, cooldownMs);

    const logbook = await loadLogbookHours(ctx.tx, student.id);

    // The student's name, coming lessons and packages in one statement (each part as a JSON array of
    // its view's columns; a part the parent may not see is not read at all).
    const showBookings = !parentLink || parentLink.canViewBookings;
    const showPackages = !parentLink || parentLink.canViewPayments;
    const [parts] = await queryRows<{ first_name: string; next_bookings: Record<string, unknown>[] | null; packages: Record<string, unknown>[] | null }>(ctx.tx, sql`
      select sp.first_name,
             ${showBookings ? sql`(
               select jsonb_agg(b.row order by b.start_time) from (
                 select ${jsonObjectOf(contextBookingColumns)} as row, ${bookings.startTime} as start_time
                   from ${bookings}
                   join ${services} on ${services.id} = ${bookings.serviceId}
                   join ${instructors} on ${instructors.id} = ${bookings.instructorId}
                   join ${profiles} on ${profiles.id} = ${instructors.profileId}
                  where ${bookings.studentId} = ${student.id} and ${bookings.status} = 'confirmed' and ${bookings.startTime} > now()
                  order by ${bookings.startTime} limit ${CONTEXT_NEXT_BOOKINGS}) b)` : sql`null`} as next_bookings,
             ${showPackages ? sql`(
               select jsonb_agg(${jsonObjectOf(contextPackageColumns)} order by ${studentPackages.expiresAt} asc nulls last, ${studentPackages.purchasedAt} asc)
                 from ${studentPackages}
                 join ${packages} on ${packages.id} = ${studentPackages.packageId}
                where ${studentPackages.studentId} = ${student.id} and ${studentPackages.status} = 'active'
                  and (${studentPackages.expiresAt} is null or ${studentPackages.expiresAt} > now()) and ${studentPackages.creditsRemaining} > 0)` : sql`null`} as packages
        from profiles sp where sp.id = ${student.profileId}`);
    const nextBookings = showBookings ? rowsFromJson(contextBookingColumns, parts.next_bookings) : null;
    let packageCredits: StudentContext['packageCredits'] = null;
    if (showPackages) {
      const rows = rowsFromJson(contextPackageColumns, parts.packages);
      packageCredits = { creditsRemaining: rows.reduce((sum, p) => sum + (p.creditsRemaining ?? 0), 0), packages: rows };
    }

    return {
      studentId: student.id,
      firstName: parts.first_name,
      transmission: student.transmission,
      status: student.status,
      nextBookings,
      competencies: { counts, activeTasks: tasks.filter((t) => t.isActive).length, certificateNumber: student.certificateNumber },
      logbook,
      packageCredits,
      asOf: now,
    };
  },
});
