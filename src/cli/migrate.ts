// nexdrive-db migrate (npm run db:migrate): apply pending migrations (all custom SQL included). Safe to re-run.
import { runMigrations } from '../db/migrate.js';
import { parseCommandArgs, runCommand, withDb } from './run.js';

runCommand(async () => {
  parseCommandArgs({
    usage: 'nexdrive-db migrate   (npm run db:migrate)',
    help: 'Applies the pending migrations shipped with @nexdrive/db to DATABASE_URL (or the embedded folder). Safe to re-run.',
    options: {},
  });
  return withDb(async (handle) => {
    const { applied, total } = await runMigrations(handle);
    console.log(`${handle.engine} (${handle.location}): ${applied} migrations applied, ${total} in total`);
  });
});
