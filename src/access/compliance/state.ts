// Loading what the rules need from the database: the task list (reference data, competency_tasks),
// a student's current status per task in their transmission, the cooldown and the database's clock.
import { and, asc, eq, sql } from 'drizzle-orm';
import type { DatabaseOrTransaction } from '../../db/engines/handle.js';
import { competencyTasks, studentCompetencies } from '../../db/schema/index.js';
import { queryRows } from '../../db/sql.js';
import type { CompetencyStatus } from '../../db/types.js';
import type { TaskRule, TaskState } from './rules.js';

export interface LoadedTask extends TaskRule {
  id: string;
}

export async function loadTaskRules(tx: DatabaseOrTransaction): Promise<LoadedTask[]> {
  const rows = await tx.select().from(competencyTasks).orderBy(asc(competencyTasks.taskNumber));
  return rows.map((t) => ({
    id: t.id,
    taskNumber: t.taskNumber,
    name: t.name,
    category: t.category,
    prerequisites: t.prerequisites ?? [],
    reviewRequiresTasks: t.reviewRequiresTasks ?? [],
    isReview: t.isReview,
    isFinalDrive: t.isFinalDrive,
    finalDriveMinMinutes: t.finalDriveMinMinutes,
    isActive: t.isActive,
  }));
}

/** Each task's newest row for the student in one transmission, by task number. */
export async function loadStudentState(tx: DatabaseOrTransaction, studentId: string, transmission: string): Promise<Map<number, TaskState>> {
  const rows = await tx
    .selectDistinctOn([studentCompetencies.taskId], {
      taskNumber: competencyTasks.taskNumber,
      status: studentCompetencies.status,
      changedAt: studentCompetencies.statusChangedAt,
    })
    .from(studentCompetencies)
    .innerJoin(competencyTasks, eq(competencyTasks.id, studentCompetencies.taskId))
    .where(and(eq(studentCompetencies.studentId, studentId), eq(studentCompetencies.transmission, transmission as 'auto' | 'manual')))
    .orderBy(studentCompetencies.taskId, sql`${studentCompetencies.chainPosition} desc`);
  return new Map(rows.map((r) => [r.taskNumber, { status: r.status as CompetencyStatus, changedAt: r.changedAt }]));
}

/** The cooldown after not_yet_competent (one place: nd_competency_cooldown() in the database) and
 *  the database's clock, which is what the rules are judged by. */
export async function loadClock(tx: DatabaseOrTransaction): Promise<{ now: Date; cooldownMs: number }> {
  const [row] = await queryRows<{ now: Date | string; cooldown_ms: number | string }>(
    tx,
    sql`select nd_now() as now, (extract(epoch from nd_competency_cooldown()) * 1000)::float8 as cooldown_ms`,
  );
  return { now: new Date(row.now), cooldownMs: Number(row.cooldown_ms) };
}
