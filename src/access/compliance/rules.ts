// The ACT CBT&A rules as plain functions over plain data: the model the database trigger
// (migration 0017) enforces, used here to tell a student and their instructor what can be assessed
// now and why not, and by the property test that checks the database and this model agree on every
// accepted and refused change. Task rules come from competency_tasks (loadTaskRules), never from code.
import type { CompetencyStatus } from '../../db/types.js';

export interface TaskRule {
  taskNumber: number;
  name: string;
  category: string | null;
  prerequisites: number[];
  reviewRequiresTasks: number[];
  isReview: boolean;
  isFinalDrive: boolean;
  finalDriveMinMinutes: number | null;
  isActive: boolean;
}

/** A task's current status in the student's transmission: its newest row (none: not_started), and
 *  when it was last assessed not yet competent (the cooldown runs from there, whatever came after). */
export interface TaskState {
  status: CompetencyStatus;
  changedAt: Date | null;
  lastNotYetCompetentAt: Date | null;
}

/** What may follow each status. Nothing follows competent except an overrule. */
export const ALLOWED_TRANSITIONS: Readonly<Record<CompetencyStatus, readonly CompetencyStatus[]>> = {
  not_started: ['taught', 'assessed', 'competent'],
  taught: ['assessed', 'competent'],
  assessed: ['competent', 'not_yet_competent'],
  not_yet_competent: ['assessed', 'taught'],
  competent: [],
};
/** Where an admin's overrule may take a competent task. */
export const OVERRULE_TARGETS: readonly CompetencyStatus[] = ['taught', 'assessed', 'not_yet_competent'];
/** Statuses that are an assessment, and so need the task's prerequisites competent. */
export const ASSESSMENT_STATUSES: readonly CompetencyStatus[] = ['assessed', 'competent', 'not_yet_competent'];
/** Statuses that reassess a task, and so wait out the cooldown after not_yet_competent. */
export const REASSESSMENT_STATUSES: readonly CompetencyStatus[] = ['assessed', 'competent'];

export type Refusal =
  | { code: 'INVALID_TRANSITION'; from: CompetencyStatus }
  | { code: 'NYC_COOLDOWN_ACTIVE'; endsAt: Date }
  | { code: 'PREREQUISITES_NOT_MET'; blockingTasks: number[] }
  | { code: 'FINAL_DRIVE_LESSON_REQUIRED'; minMinutes: number | null };

const stateOf = (state: ReadonlyMap<number, TaskState>, taskNumber: number): TaskState =>
  state.get(taskNumber) ?? { status: 'not_started', changedAt: null, lastNotYetCompetentAt: null };

/** When reassessment is allowed again after the task's last not_yet_competent, if it was one. */
const cooldownEnd = (task: TaskState, cooldownMs: number): Date | null =>
  task.lastNotYetCompetentAt ? new Date(task.lastNotYetCompetentAt.getTime() + cooldownMs) : null;

/** The state after an accepted change. */
export function applyChange(state: ReadonlyMap<number, TaskState>, taskNumber: number, status: CompetencyStatus, at: Date): TaskState {
  const before = stateOf(state, taskNumber);
  return { status, changedAt: at, lastNotYetCompetentAt: status === 'not_yet_competent' ? at : before.lastNotYetCompetentAt };
}

/**
 * The tasks that must be competent before `target` can be assessed: its prerequisites, the tasks it
 * reviews (a review task), and the last revision point before it: the previous review task and the
 * tasks that one reviews (tasks 18-22 need 1-17; task 23 needs 18-22).
 */
export function requiredTasks(tasks: readonly TaskRule[], target: TaskRule): number[] {
  const revisionPoint = tasks
    .filter((t) => t.isReview && t.isActive && t.taskNumber < target.taskNumber)
    .sort((a, b) => b.taskNumber - a.taskNumber)[0];
  const needed = new Set([...target.prerequisites, ...target.reviewRequiresTasks]);
  if (revisionPoint) for (const n of [revisionPoint.taskNumber, ...revisionPoint.reviewRequiresTasks]) needed.add(n);
  return [...needed].sort((a, b) => a - b);
}

/** The required tasks that are not competent yet, in the student's current state. */
export function blockingTasks(tasks: readonly TaskRule[], state: ReadonlyMap<number, TaskState>, target: TaskRule): number[] {
  return requiredTasks(tasks, target).filter((n) => stateOf(state, n).status !== 'competent');
}

export interface CompetencyChange {
  taskNumber: number;
  status: CompetencyStatus;
  /** When the change is recorded (the database's clock). */
  at: Date;
  /** total_minutes of the row's lesson, if it names one. */
  lessonMinutes?: number | null;
  /** An admin's overrule with a reason. */
  overrule?: boolean;
}

/** Whether the rules accept `change`, in the order the database checks them; null = accepted. */
export function refusalOf(
  tasks: readonly TaskRule[],
  state: ReadonlyMap<number, TaskState>,
  change: CompetencyChange,
  cooldownMs: number,
): Refusal | null {
  const task = tasks.find((t) => t.taskNumber === change.taskNumber);
  if (!task) throw new Error(`task ${change.taskNumber} is not in the task list`);
  const current = stateOf(state, change.taskNumber);
  if (current.status === 'competent') {
    return change.overrule && OVERRULE_TARGETS.includes(change.status) ? null : { code: 'INVALID_TRANSITION', from: current.status };
  }
  if (!ALLOWED_TRANSITIONS[current.status].includes(change.status)) return { code: 'INVALID_TRANSITION', from: current.status };
  const endsAt = cooldownEnd(current, cooldownMs);
  if (REASSESSMENT_STATUSES.includes(change.status) && endsAt && change.at < endsAt) return { code: 'NYC_COOLDOWN_ACTIVE', endsAt };
  if (ASSESSMENT_STATUSES.includes(change.status)) {
    const blocking = blockingTasks(tasks, state, task);
    if (blocking.length) return { code: 'PREREQUISITES_NOT_MET', blockingTasks: blocking };
  }
  if (task.isFinalDrive && change.status === 'competent' && (change.lessonMinutes ?? -1) < (task.finalDriveMinMinutes ?? 0)) {
    return { code: 'FINAL_DRIVE_LESSON_REQUIRED', minMinutes: task.finalDriveMinMinutes };
  }
  return null;
}

export interface TaskProgress {
  taskNumber: number;
  name: string;
  category: string | null;
  isReview: boolean;
  isFinalDrive: boolean;
  status: CompetencyStatus;
  changedAt: Date | null;
  /** Whether an assessment (assessed, competent or not yet competent) may be recorded now. */
  availableToAssess: boolean;
  /** Tasks that must be competent first (empty when none block). */
  blockingTasks: number[];
  /** When a task last assessed not yet competent may be reassessed, while that is in the future. */
  cooldownEndsAt: Date | null;
}

export interface Progress {
  tasks: TaskProgress[];
  counts: Record<CompetencyStatus, number>;
  certificate: { eligible: boolean; missingTasks: number[]; reasons: string[] };
}

/** A student's progress on every active task, at `now`. */
export function progressOf(tasks: readonly TaskRule[], state: ReadonlyMap<number, TaskState>, now: Date, cooldownMs: number): Progress {
  const active = tasks.filter((t) => t.isActive).sort((a, b) => a.taskNumber - b.taskNumber);
  const counts: Record<CompetencyStatus, number> = { not_started: 0, taught: 0, assessed: 0, competent: 0, not_yet_competent: 0 };
  const rows = active.map((task): TaskProgress => {
    const taskState = stateOf(state, task.taskNumber);
    const { status, changedAt } = taskState;
    counts[status] += 1;
    const blocking = status === 'competent' ? [] : blockingTasks(tasks, state, task);
    const ends = status === 'competent' ? null : cooldownEnd(taskState, cooldownMs);
    const cooling = ends !== null && now < ends;
    return {
      taskNumber: task.taskNumber,
      name: task.name,
      category: task.category,
      isReview: task.isReview,
      isFinalDrive: task.isFinalDrive,
      status,
      changedAt,
      availableToAssess: status !== 'competent' && blocking.length === 0 && !cooling,
      blockingTasks: blocking,
      cooldownEndsAt: cooling ? ends : null,
    };
  });
  const missingTasks = rows.filter((r) => r.status !== 'competent').map((r) => r.taskNumber);
  const reasons = missingTasks.length ? [`not yet competent in task${missingTasks.length > 1 ? 's' : ''} ${missingTasks.join(', ')}`] : [];
  return { tasks: rows, counts, certificate: { eligible: missingTasks.length === 0, missingTasks, reasons } };
}
