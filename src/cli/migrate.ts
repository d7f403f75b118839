// npm run db:migrate: apply pending migrations (all custom SQL included). Safe to re-run.
import { runMigrations } from '../db/migrate.js';
import { runCommand, withDb } from './run.js';

runCommand(() =>
  withDb(async (handle) => {
    const { applied, total } = await runMigrations(handle);
    console.log(`${handle.engine} (${handle.location}): ${applied} migrations applied, ${total} in total`);
  }),
);
