// nexdrive-db setup (npm run db:setup): migrate, seed the reference data, and print a short report. Safe to re-run.
import { runMigrations } from '../db/migrate.js';
import { describeDatabase, formatReport } from '../db/report.js';
import { seedReferenceData } from '../db/seed/index.js';
import { parseCommandArgs, runCommand, withDb } from './run.js';

runCommand(async () => {
  parseCommandArgs({
    usage: 'nexdrive-db setup   (npm run db:setup)',
    help: 'Applies pending migrations, inserts missing reference data and prints a report of the database\n(DATABASE_URL, or the embedded folder PGLITE_DATA_DIR, default .data/pglite in this folder). Safe to re-run.',
    options: {},
  });
  return withDb(async (handle) => {
    const migrated = await runMigrations(handle);
    const seeded = await seedReferenceData(handle.db);
    const report = await describeDatabase(handle);
    console.log(`migrations  ${migrated.applied} applied, ${migrated.total} in total`);
    console.log(`seed        ${seeded.competencyTasksInserted} tasks and ${seeded.servicesInserted} services added`);
    console.log(formatReport(report));
    return report.tables.missing.length === 0 ? 0 : 1;
  });
});
