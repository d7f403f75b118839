// Loading what the rules need from the database: the task list (reference data, competency_tasks),
// a student's current status per task in their transmission, the cooldown and the database's clock.
import { sql } from 'drizzle-orm';
import type { DatabaseOrTransaction } from '../../db/engines/handle.js';
import { queryRows } from '../../db/sql.js';
import type { CompetencyStatus } from '../../db/types.js';
import type { TaskRule, TaskState } from './rules.js';

export interface LoadedTask extends TaskRule {
  id: string;
}

/** A competency_tasks row as SQL returns it (the columns TASK_COLUMNS selects). */
type TaskRow = {
  id: string; task_number: number; name: string; category: string | null; prerequisites: number[] | null;
  review_requires_tasks: number[] | null; is_review: boolean; is_final_drive: boolean; final_drive_min_minutes: number | null; is_active: boolean;
};
const TASK_COLUMNS = sql.raw(
  't.id, t.task_number, t.name, t.category, t.prerequisites, t.review_requires_tasks, t.is_review, t.is_final_drive, t.final_drive_min_minutes, t.is_active',
);

function taskRuleOf(r: TaskRow): LoadedTask {
  return {
    id: r.id,
    taskNumber: r.task_number,
    name: r.name,
    category: r.category,
    prerequisites: r.prerequisites ?? [],
    reviewRequiresTasks: r.review_requires_tasks ?? [],
    isReview: r.is_review,
    isFinalDrive: r.is_final_drive,
    finalDriveMinMinutes: r.final_drive_min_minutes,
    isActive: r.is_active,
  };
}

export async function loadTaskRules(tx: DatabaseOrTransaction): Promise<LoadedTask[]> {
  const rows = await queryRows<TaskRow>(tx, sql`select ${TASK_COLUMNS} from competency_tasks t order by t.task_number`);
  return rows.map(taskRuleOf);
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

/** Everything the rules need, in one round trip: the task list, each task's newest row for the student
 *  in one transmission and its last not_yet_competent, the database's clock and the cooldown, and the
 *  tasks the database's certificate guard would say are missing (nd_certificate_missing_tasks: it also
 *  judges the final drive by its lesson as it stands) and why the final drive does not count
 *  (nd_final_drive_problem, migration 0023). Those two are asked only with `certificate` and only when
 *  every active task's newest row is competent: otherwise the certificate is missing tasks anyway and
 *  their answers would not be read (about half a millisecond of the database's time saved per call,
 *  issue 20); certificateMissing is then [] and finalDriveProblem null. */
export async function loadProgressInputs(
  tx: DatabaseOrTransaction,
  studentId: string,
  transmission: string,
  { certificate = false }: { certificate?: boolean } = {},
): Promise<{ tasks: LoadedTask[]; state: Map<number, TaskState>; now: Date; cooldownMs: number; certificateMissing: number[]; finalDriveProblem: string | null }> {
  type Row = TaskRow & {
    status: CompetencyStatus | null; status_changed_at: Date | string | null; last_nyc: Date | string | null; now: Date | string; cooldown_ms: number | string;
    certificate_missing: number[]; final_drive_problem: string | null;
  };
  const rows = await queryRows<Row>(tx, sql`
    with newest as (
      select ${TASK_COLUMNS}, latest.status, latest.status_changed_at, nyc.status_changed_at as last_nyc
        from competency_tasks t
        left join lateral (
          select sc.status, sc.status_changed_at from student_competencies sc
           where sc.student_id = ${studentId} and sc.task_id = t.id and sc.transmission = ${transmission}
           order by sc.chain_position desc limit 1) latest on true
        left join lateral (
          select sc.status_changed_at from student_competencies sc
           where sc.student_id = ${studentId} and sc.task_id = t.id and sc.transmission = ${transmission} and sc.status = 'not_yet_competent'
           order by sc.chain_position desc limit 1) nyc on true),
    complete as (
      select ${certificate} and coalesce(bool_and(status is not distinct from 'competent') filter (where is_active), true) as asks from newest),
    clock as (
      select nd_now() as now, (extract(epoch from nd_competency_cooldown()) * 1000)::float8 as cooldown_ms,
             case when complete.asks then nd_certificate_missing_tasks(${studentId}, ${transmission}) else '{}' end as certificate_missing,
             case when complete.asks then nd_final_drive_problem(${studentId}, ${transmission}) end as final_drive_problem
        from complete)
    select newest.*, clock.now, clock.cooldown_ms, clock.certificate_missing, clock.final_drive_problem
      from newest cross join clock
     order by newest.task_number`);
  const tasks = rows.map(taskRuleOf);
  const state = new Map<number, TaskState>();
  for (const r of rows) {
    if (r.status) state.set(r.task_number, { status: r.status, changedAt: new Date(r.status_changed_at!), lastNotYetCompetentAt: r.last_nyc ? new Date(r.last_nyc) : null });
  }
  if (!rows.length) return { tasks, state, certificateMissing: [], finalDriveProblem: null, ...(await loadClock(tx)) }; // no task list at all
  return {
    tasks, state, now: new Date(rows[0].now), cooldownMs: Number(rows[0].cooldown_ms), certificateMissing: rows[0].certificate_missing,
    finalDriveProblem: rows[0].final_drive_problem,
  };
}
