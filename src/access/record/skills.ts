// Pure core of the bridge form: what the lesson covered, from the lesson's own competency fields and the
// tasks' names (SPEC-16). Never from the caller: a bridge form must not claim what the logbook does not.

export type SkillStatus = 'taught' | 'assessed' | 'achieved';
export interface SkillCovered { task_number: number; task_name: string; status: SkillStatus }

export interface LessonCompetencies {
  competenciesTaught: number[] | null;
  competenciesAssessed: number[] | null;
  competenciesAchievedManual: number[] | null;
  competenciesAchievedAuto: number[] | null;
}

/** One entry per task the lesson touched, at the furthest step it reached (achieved > assessed > taught),
 *  in task order. A task number with no task row keeps its number and an empty name. */
export function skillsCovered(lesson: LessonCompetencies, taskNames: ReadonlyMap<number, string>): SkillCovered[] {
  const status = new Map<number, SkillStatus>();
  for (const n of lesson.competenciesTaught ?? []) status.set(n, 'taught');
  for (const n of lesson.competenciesAssessed ?? []) status.set(n, 'assessed');
  for (const n of [...(lesson.competenciesAchievedManual ?? []), ...(lesson.competenciesAchievedAuto ?? [])]) status.set(n, 'achieved');
  return [...status.entries()]
    .sort(([a], [b]) => a - b)
    .map(([n, s]) => ({ task_number: n, task_name: taskNames.get(n) ?? '', status: s }));
}
