// @nexdrive/db/seed: the reference data (competency tasks, services), inserted where missing.
export { seedReferenceData, COMPETENCY_TASKS, DEFAULT_SERVICES, type SeedReport } from '../db/seed/index.js';
