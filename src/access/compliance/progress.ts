// A student's CBT&A progress: every task's status, whether it can be assessed now (and if not, which
// tasks block it or when its cooldown ends), counts, and whether the certificate can be issued, all
// judged by the same rules the database enforces, at the database's clock. And an instructor's
// overview: the counts of all their students.
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { NotFoundError } from '../../db/errors.js';
import { competencyTasks, profiles, studentCompetencies, students } from '../../db/schema/index.js';
import type { CompetencyStatus } from '../../db/types.js';
import { defineOperation } from '../core/operation.js';
import { id } from '../core/validation.js';
import { progressOf, type Progress } from './rules.js';
import { loadProgressInputs } from './state.js';

export interface StudentProgress extends Progress {
  studentId: string;
  transmission: string;
  certificate: Progress['certificate'] & { number: string | null; issuedAt: Date | null };
  /** The database's clock the answer was judged at. */
  asOf: Date;
}

export const getStudentProgress = defineOperation({
  name: 'getStudentProgress',
  kind: 'read',
  input: z.strictObject({ studentId: id() }),
  async run(ctx, { studentId }): Promise<StudentProgress> {
    const { student } = await ctx.student(studentId);
    const { tasks, state, now, cooldownMs, certificateMissing, finalDriveProblem } = await loadProgressInputs(ctx.tx, student.id, student.transmission, { certificate: true });
    const progress = progressOf(tasks, state, now, cooldownMs);
    const issued = student.certificateNumber !== null;
    const suspended = student.status === 'suspended';
    // Competent in every task, but the database still misses one: the final drive's lesson as it stands
    // does not count (not yet signed by both, or a correction took it under the minimum; migration 0023).
    const unsignedFinalDrive = progress.certificate.eligible && certificateMissing.length > 0;
    const reasons = issued
      ? [`certificate ${student.certificateNumber} already issued`]
      : [
          ...(suspended ? ['the student is suspended: no certificate is issued while suspended'] : []),
          ...(unsignedFinalDrive
            ? [finalDriveProblem ?? `the final drive's lesson (task ${certificateMissing.join(', ')}) is not yet signed by the instructor and the student`]
            : progress.certificate.reasons),
        ];
    return {
      studentId: student.id,
      transmission: student.transmission,
      ...progress,
      certificate: {
        ...progress.certificate,
        eligible: progress.certificate.eligible && !unsignedFinalDrive && !issued && !suspended,
        missingTasks: unsignedFinalDrive ? certificateMissing : progress.certificate.missingTasks,
        reasons,
        number: student.certificateNumber,
        issuedAt: student.certificateIssuedAt,
      },
      asOf: now,
    };
  },
});

export interface StudentProgressCounts {
  studentId: string;
  firstName: string;
  lastName: string;
  transmission: string;
  counts: Record<CompetencyStatus, number>;
  certificateNumber: string | null;
}

/** The counts of every student of an instructor (an instructor: their own; admins and system actors:
 *  the instructor named, or every student), in one query. */
export const getInstructorProgressSummary = defineOperation({
  name: 'getInstructorProgressSummary',
  kind: 'read',
  input: z.strictObject({ instructorId: id().optional() }),
  async run(ctx, { instructorId }): Promise<StudentProgressCounts[]> {
    ctx.school();
    const a = ctx.actor;
    let instructor = instructorId;
    if (a.kind === 'instructor') {
      if (instructorId && instructorId !== a.instructorId) throw new NotFoundError(`instructor ${instructorId} not found`);
      instructor = a.instructorId;
    }
    // Each student's newest row per active task in their transmission, counted by status.
    const latest = ctx.tx
      .selectDistinctOn([studentCompetencies.studentId, studentCompetencies.taskId], {
        studentId: studentCompetencies.studentId,
        status: studentCompetencies.status,
      })
      .from(studentCompetencies)
      .innerJoin(students, and(eq(students.id, studentCompetencies.studentId), eq(students.transmission, studentCompetencies.transmission)))
      .innerJoin(competencyTasks, and(eq(competencyTasks.id, studentCompetencies.taskId), eq(competencyTasks.isActive, true)))
      .where(instructor ? eq(students.instructorId, instructor) : undefined)
      .orderBy(studentCompetencies.studentId, studentCompetencies.taskId, sql`${studentCompetencies.chainPosition} desc`)
      .as('latest');
    const rows = await ctx.tx
      .select({
        studentId: students.id,
        firstName: profiles.firstName,
        lastName: profiles.lastName,
        transmission: students.transmission,
        certificateNumber: students.certificateNumber,
        taught: sql<number>`count(*) filter (where ${latest.status} = 'taught')::int`,
        assessed: sql<number>`count(*) filter (where ${latest.status} = 'assessed')::int`,
        competent: sql<number>`count(*) filter (where ${latest.status} = 'competent')::int`,
        notYetCompetent: sql<number>`count(*) filter (where ${latest.status} = 'not_yet_competent')::int`,
        activeTasks: sql<number>`(select count(*) from ${competencyTasks} where ${competencyTasks.isActive})::int`,
      })
      .from(students)
      .innerJoin(profiles, eq(profiles.id, students.profileId))
      .leftJoin(latest, eq(latest.studentId, students.id))
      .where(instructor ? eq(students.instructorId, instructor) : undefined)
      .groupBy(students.id, profiles.firstName, profiles.lastName)
      .orderBy(profiles.lastName, profiles.firstName);
    return rows.map((r) => {
      const started = r.taught + r.assessed + r.competent + r.notYetCompetent;
      return {
        studentId: r.studentId,
        firstName: r.firstName,
        lastName: r.lastName,
        transmission: r.transmission,
        certificateNumber: r.certificateNumber,
        counts: { not_started: r.activeTasks - started, taught: r.taught, assessed: r.assessed, competent: r.competent, not_yet_competent: r.notYetCompetent },
      };
    });
  },
});
