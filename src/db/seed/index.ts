// Seeds the reference data every NexDrive database needs: the 23 CBT&A tasks and the 7 default
// services. Idempotent: rows are matched by task_number and slug, missing ones are inserted, existing
// ones are left exactly as they are (an edited price is the school's decision, not the seed's).
import { competencyTasks, services } from '../schema/index.js';
import type { Database } from '../engines/handle.js';
import { COMPETENCY_TASKS } from './competency-tasks.js';
import { DEFAULT_SERVICES } from './services.js';

export { COMPETENCY_TASKS, DEFAULT_SERVICES };

export interface SeedReport {
  competencyTasksInserted: number;
  servicesInserted: number;
}

export async function seedReferenceData(db: Database): Promise<SeedReport> {
  return db.transaction(async (tx) => {
    const tasks = await tx
      .insert(competencyTasks)
      .values(
        COMPETENCY_TASKS.map((t) => ({
          taskNumber: t.taskNumber,
          name: t.name,
          description: t.description,
          category: t.category,
          prerequisites: t.prerequisites,
          isReview: t.isReview ?? false,
          isFinalDrive: t.isFinalDrive ?? false,
          reviewRequiresTasks: t.reviewRequiresTasks ?? [],
          finalDriveMinMinutes: t.finalDriveMinMinutes ?? null,
          finalDriveUnfamiliarRoads: t.finalDriveUnfamiliarRoads ?? false,
          sortOrder: t.sortOrder,
        })),
      )
      .onConflictDoNothing({ target: competencyTasks.taskNumber })
      .returning({ id: competencyTasks.id });
    const inserted = await tx
      .insert(services)
      .values([...DEFAULT_SERVICES])
      .onConflictDoNothing({ target: services.slug })
      .returning({ id: services.id });
    return { competencyTasksInserted: tasks.length, servicesInserted: inserted.length };
  });
}
