// Result shapes that cannot leak. Reads select explicit columns; a shape that students, parents or AI
// agents receive is built with publicColumns(), which refuses at compile time (and at load time) any
// column on the private list, under whatever key it is placed: private notes, bookings.admin_notes and
// a payment's raw gateway response (which may hold card data).
import { getTableName, is, sql, type Column, type SQL } from 'drizzle-orm';
import { PgColumn } from 'drizzle-orm/pg-core';

/** Columns no student, parent or agent may ever receive (domain-rules.md "Privacy and tenancy"). */
const PRIVATE_COLUMNS: ReadonlyArray<readonly [table: string, column: string | '*']> = [
  ['private_notes', '*'],
  ['bookings', 'admin_notes'],
  ['payments', 'gateway_response'],
];
type PrivateColumn =
  | { _: { tableName: 'private_notes' } }
  | { _: { tableName: 'bookings'; name: 'admin_notes' } }
  | { _: { tableName: 'payments'; name: 'gateway_response' } };

type NoPrivate<T> = { [K in keyof T]: T[K] extends PrivateColumn ? never : T[K] };

export function isPrivateColumn(column: Column): boolean {
  const table = getTableName(column.table);
  return PRIVATE_COLUMNS.some(([t, c]) => t === table && (c === '*' || c === column.name));
}

/** A column map for a shape students and parents may receive. A private column is a type error here. */
export function publicColumns<T extends Record<string, PgColumn>>(columns: T & NoPrivate<T>): T {
  for (const [key, column] of Object.entries(columns)) {
    if (!is(column, PgColumn) || isPrivateColumn(column)) throw new Error(`publicColumns: ${key} is private`);
  }
  return columns;
}

/** The row type a select of this column map returns. */
export type RowOf<T extends Record<string, Column>> = {
  [K in keyof T]: T[K]['_']['notNull'] extends true ? T[K]['_']['data'] : T[K]['_']['data'] | null;
};

/** `jsonb_build_object('key', column, ...)` of a column map: several row sets in one statement, each as
 *  a JSON array, keyed like the map (see rowsFromJson). */
export function jsonObjectOf(columns: Record<string, PgColumn>): SQL {
  return sql`jsonb_build_object(${sql.join(Object.entries(columns).map(([key, column]) => sql`${key}::text, ${column}`), sql`, `)})`;
}

/** Rows read back from jsonObjectOf's objects, each value through its column's own mapping (a
 *  timestamp's ISO text becomes a Date, as a select of the column would return it). */
export function rowsFromJson<T extends Record<string, PgColumn>>(columns: T, rows: Array<Record<string, unknown>> | null): RowOf<T>[] {
  return (rows ?? []).map((row) => {
    const out: Record<string, unknown> = {};
    for (const [key, column] of Object.entries(columns)) {
      const value = row[key];
      out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
    }
    return out as RowOf<T>;
  });
}
