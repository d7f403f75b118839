// npm run db:seed: insert the reference data that is missing. Safe to re-run.
import { seedReferenceData } from '../db/seed/index.js';
import { runCommand, withDb } from './run.js';

runCommand(() =>
  withDb(async (handle) => {
    const r = await seedReferenceData(handle.db);
    console.log(`${r.competencyTasksInserted} competency tasks and ${r.servicesInserted} services added`);
  }),
);
