// Naming for the throwaway databases on a test server.
export const TEMPLATE_DATABASE = 'nexdrive_test_template';

/** The same server URL pointing at another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
