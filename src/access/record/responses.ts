// Pure core of a self-assessment (SPEC-19 sections 3-4): which tasks each type asks about, and whether a
// submission answers each of them exactly once. Confidence 1-5 and notes of at most 500 characters are
// checked by the input schema (./self-assessments.ts) before any SQL.
import type { SelfAssessmentType } from '../../db/types.js';

export interface SelfAssessmentResponse { task_number: number; confidence: number; notes: string | null }

/** The last task each type asks about: the first review covers 1-17, the second 1-22, the rest all. */
const LAST_TASK: Record<SelfAssessmentType, number> = { pre_review_1_17: 17, pre_review_1_22: 22, pre_final_drive: Infinity, general: Infinity };

/** The active task numbers a type asks about, in order. */
export function tasksInScope(type: SelfAssessmentType, activeTasks: readonly number[]): number[] {
  return [...activeTasks].filter((n) => n <= LAST_TASK[type]).sort((a, b) => a - b);
}

/** What is wrong with a submission: tasks answered twice, outside the type, or left out (empty: nothing). */
export function responseProblems(type: SelfAssessmentType, activeTasks: readonly number[], responses: readonly Pick<SelfAssessmentResponse, 'task_number'>[]) {
  const scope = tasksInScope(type, activeTasks);
  const seen = new Set<number>();
  const duplicated = new Set<number>();
  for (const r of responses) (seen.has(r.task_number) ? duplicated : seen).add(r.task_number);
  return {
    duplicated: [...duplicated].sort((a, b) => a - b),
    outOfScope: [...seen].filter((n) => !scope.includes(n)).sort((a, b) => a - b),
    missing: scope.filter((n) => !seen.has(n)),
  };
}
