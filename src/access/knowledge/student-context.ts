// getStudentContext: what the SMS, voice and web-chat agents may know about the student they are
// talking to: their next three confirmed lessons, their CBT&A progress counts, their logbook hours and
// their package credits. Every part is an explicit column list (./views.ts) or a count: never a private
// note, admin_notes or a gateway response, whoever asks (the canary test checks it).
//
// Reused, not rewritten: the competency counts are progressOf() over loadProgressInputs() (the same
// judgement as getStudentProgress, at the database's clock). A parent gets the context only with
// can_view_progress (the row's flag), and each part behind another flag only with that flag too:
// nextBookings null without can_view_bookings, packageCredits null without can_view_payments.
import { and, asc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { bookings, instructors, packages, profiles, services, studentPackages } from '../../db/schema/index.js';
import type { CompetencyStatus } from '../../db/types.js';
import { queryRows } from '../../db/sql.js';
import { defineOperation } from '../core/operation.js';
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
  logbook: { lessons: number; totalMinutes: number; roundedMinutes: number; hours: number };
  /** Active, unexpired packages with credits left (null: a parent without can_view_payments). */
  packageCredits: { creditsRemaining: number; packages: ContextPackage[] } | null;
  /** The database's clock the context was read at. */
  asOf: Date;
}

/**
 * The logbook's lessons: completed rows, one per lesson number. A row that a completed correction
 * corrects does not count; of what is left for one number (a correction of a correction, two
 * corrections of one lesson), the newest record counts. A correction that is a draft, awaits the
 * student or was disputed replaces nothing. rounded_minutes is the logbook's 30-minute periods.
 */
const logbookSql = (studentId: string) => sql`
  select count(*)::int as lessons,
         coalesce(sum(total_minutes), 0)::int as total_minutes,
         coalesce(sum(rounded_minutes), 0)::int as rounded_minutes
    from (select distinct on (l.lesson_number) l.total_minutes, coalesce(l.rounded_minutes, 0) as rounded_minutes
            from lessons l
           where l.student_id = ${studentId} and l.status = 'completed'
             and not exists (select 1 from lessons c where c.correction_of = l.id and c.status = 'completed')
           order by l.lesson_number, l.created_at desc, l.id desc) as counted`;

export const getStudentContext = defineOperation({
  name: 'getStudentContext',
  kind: 'read',
  input: studentContextInput,
  async run(ctx, { studentId }): Promise<StudentContext> {
    const { student, parentLink } = await ctx.student(studentId);
    const { tasks, state, now, cooldownMs } = await loadProgressInputs(ctx.tx, student.id, student.transmission);
    const { counts } = progressOf(tasks, state, now, cooldownMs);

    const [name] = await ctx.tx.select({ firstName: profiles.firstName }).from(profiles).where(eq(profiles.id, student.profileId));

    const [logbook] = await queryRows<{ lessons: number; total_minutes: number; rounded_minutes: number }>(ctx.tx, logbookSql(student.id));

    const nextBookings =
      parentLink && !parentLink.canViewBookings
        ? null
        : await ctx.tx
            .select(contextBookingColumns)
            .from(bookings)
            .innerJoin(services, eq(services.id, bookings.serviceId))
            .innerJoin(instructors, eq(instructors.id, bookings.instructorId))
            .innerJoin(profiles, eq(profiles.id, instructors.profileId))
            .where(and(eq(bookings.studentId, student.id), eq(bookings.status, 'confirmed'), gt(bookings.startTime, sql`now()`)))
            .orderBy(asc(bookings.startTime))
            .limit(CONTEXT_NEXT_BOOKINGS);

    let packageCredits: StudentContext['packageCredits'] = null;
    if (!parentLink || parentLink.canViewPayments) {
      const rows = await ctx.tx
        .select(contextPackageColumns)
        .from(studentPackages)
        .innerJoin(packages, eq(packages.id, studentPackages.packageId))
        .where(
          and(
            eq(studentPackages.studentId, student.id),
            eq(studentPackages.status, 'active'),
            or(isNull(studentPackages.expiresAt), gt(studentPackages.expiresAt, sql`now()`)),
            gt(studentPackages.creditsRemaining, 0),
          ),
        )
        .orderBy(sql`${studentPackages.expiresAt} asc nulls last`, asc(studentPackages.purchasedAt));
      packageCredits = { creditsRemaining: rows.reduce((sum, p) => sum + (p.creditsRemaining ?? 0), 0), packages: rows };
    }

    return {
      studentId: student.id,
      firstName: name.firstName,
      transmission: student.transmission,
      status: student.status,
      nextBookings,
      competencies: { counts, activeTasks: tasks.filter((t) => t.isActive).length, certificateNumber: student.certificateNumber },
      logbook: {
        lessons: logbook.lessons,
        totalMinutes: logbook.total_minutes,
        roundedMinutes: logbook.rounded_minutes,
        hours: logbook.rounded_minutes / 60,
      },
      packageCredits,
      asOf: now,
    };
  },
});
