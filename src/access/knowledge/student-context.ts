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
import { and, asc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { bookings, instructors, packages, profiles, services, studentPackages } from '../../db/schema/index.js';
import type { CompetencyStatus } from '../../db/types.js';
import { loadLogbookHours, type LogbookHours } from '../logbook/hours.js';
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

    const [name] = await ctx.tx.select({ firstName: profiles.firstName }).from(profiles).where(eq(profiles.id, student.profileId));

    const logbook = await loadLogbookHours(ctx.tx, student.id);

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
      logbook,
      packageCredits,
      asOf: now,
    };
  },
});
