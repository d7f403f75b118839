// Naming for the throwaway databases and roles on a test server.
export const TEMPLATE_DATABASE = 'nexdrive_test_template';

/** A login role in nexdrive_app (created by global setup): how tests connect as the application does. */
export const APP_TEST_LOGIN = 'nexdrive_app_test';

/** The same server URL pointing at another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
