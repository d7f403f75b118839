// Builds the template every test file starts from, with the real migrations and seed:
// - PGlite: migrate an in-memory instance and dump its data folder to a tarball;
// - server: migrate a template database that each file clones with CREATE DATABASE ... TEMPLATE,
//   through the driver under test (node-postgres, or Neon's with TEST_DATABASE_DRIVER=neon).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openPglite } from '../../src/db/engines/pglite.js';
import { runMigrations } from '../../src/db/migrate.js';
import { seedReferenceData } from '../../src/db/seed/index.js';
import { APP_TEST_LOGIN, databaseUrl, openServerDb, serverDriverFromEnv, TEMPLATE_DATABASE } from './server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    engine: 'pglite' | 'postgres' | 'neon';
    pgliteTemplatePath: string;
    serverUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const driver = serverDriverFromEnv();
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${TEMPLATE_DATABASE} with (force)`);
    await admin.query(`create database ${TEMPLATE_DATABASE}`);
    const handle = await openServerDb(driver, databaseUrl(serverUrl, TEMPLATE_DATABASE), 2);
    await runMigrations(handle);
    await seedReferenceData(handle.db);
    await handle.close();
    // The application logs in as a member of nexdrive_app (created by the migrations); so do the
    // access-layer tests (openTestDb({ role: 'app' })). The test server trusts local connections.
    await admin.query(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = '${APP_TEST_LOGIN}') then
        create role ${APP_TEST_LOGIN} login in role nexdrive_app;
      end if; end $$`);
    project.provide('engine', driver);
    project.provide('serverUrl', serverUrl);
    project.provide('pgliteTemplatePath', '');
    const through = driver === 'neon' ? `, Neon driver through WebSocket proxy ${process.env.NEON_WS_PROXY}` : ', node-postgres';
    console.log(`[tests] engine: PostgreSQL server (${new URL(serverUrl).host}${through}), template ${TEMPLATE_DATABASE}`);
    return async () => {
      await admin.query(`drop database if exists ${TEMPLATE_DATABASE} with (force)`);
      await admin.end();
    };
  }
  const handle = await openPglite({ dataDir: 'memory://' });
  await runMigrations(handle);
  await seedReferenceData(handle.db);
  const dump = await handle.client.dumpDataDir('none');
  await handle.close();
  const dir = mkdtempSync(path.join(tmpdir(), 'nexdrive-tests-'));
  const templatePath = path.join(dir, 'template.tar');
  writeFileSync(templatePath, Buffer.from(await dump.arrayBuffer()));
  project.provide('engine', 'pglite');
  project.provide('pgliteTemplatePath', templatePath);
  project.provide('serverUrl', '');
  console.log('[tests] engine: PGlite (embedded)');
  return () => rmSync(dir, { recursive: true, force: true });
}
