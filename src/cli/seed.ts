// nexdrive-db seed (npm run db:seed): insert the reference data that is missing. Safe to re-run.
import { seedReferenceData } from '../db/seed/index.js';
import { parseCommandArgs, runCommand, withDb } from './run.js';

runCommand(async () => {
  parseCommandArgs({
    usage: 'nexdrive-db seed   (npm run db:seed)',
    help: 'Inserts the competency tasks and services that are missing. Safe to re-run.',
    options: {},
  });
  return withDb(async (handle) => {
    const r = await seedReferenceData(handle.db);
    console.log(`${r.competencyTasksInserted} competency tasks and ${r.servicesInserted} services added`);
  });
});
