// @nexdrive/db/migrate: applying the shipped migrations, and the report db:setup prints.
export { runMigrations, MigrationDriftError, MIGRATIONS_FOLDER, type MigrationReport } from '../db/migrate.js';
export { describeDatabase, formatReport } from '../db/report.js';
