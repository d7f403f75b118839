// Shared column builders and constraint helpers, so columns and checks that repeat across
// tables (timestamps, GPS, hash chains) are declared one way everywhere.
import { sql } from 'drizzle-orm';
import { bigint, check, numeric, text, timestamp } from 'drizzle-orm/pg-core';
import { BUSINESS_TIME_ZONE } from '../../domain/rules.js';

// Constraint SQL is built with sql.raw, so only plain snake_case names may reach it.
const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function assertIdentifier(name: string): string {
  if (!SQL_IDENTIFIER.test(name)) throw new Error(`Not a plain SQL identifier: ${name}`);
  return name;
}

/** Every timestamp is an instant (timestamptz); wall-clock values use `time`/`date`. */
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true });

export const createdAt = () => timestamptz('created_at').notNull().defaultNow();
export const updatedAt = () => timestamptz('updated_at').notNull().defaultNow();

/** `'a', 'b'`: values as SQL string literals, single quotes doubled. */
export function sqlStringList(values: readonly string[]): string {
  return values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ');
}

/** CHECK (column IN (...)). A NULL passes, so nullable enum columns stay nullable. */
export function checkOneOf(name: string, columnSqlName: string, values: readonly string[]) {
  if (values.length === 0) throw new Error(`checkOneOf(${name}): no values`);
  return check(name, sql.raw(`${assertIdentifier(columnSqlName)} IN (${sqlStringList(values)})`));
}

/** Keeps a hashed timestamp inside years 1..9999 UTC, where its canonical form (fixed-width
 *  YYYY-MM-DDTHH:MM:SS.ffffffZ) is defined: no 'infinity', no BC dates (to_char drops the era, so
 *  1 BC and 1 AD would hash alike), no five-digit years. */
export function checkCanonicalTimestamp(tableSqlName: string, columnSqlName: string) {
  const column = assertIdentifier(columnSqlName);
  return check(
    `${assertIdentifier(tableSqlName)}_${column}_range_check`,
    sql.raw(`${column} >= '0001-01-01 00:00:00+00' AND ${column} < '10000-01-01 00:00:00+00'`),
  );
}

/** SQL for the Australia/Canberra calendar date of a timestamptz column (business dates: lesson_date,
 *  scheduled_date). The zone is named, so the result does not depend on the session TimeZone. */
export function canberraDateOf(columnSqlName: string): string {
  return `(${assertIdentifier(columnSqlName)} AT TIME ZONE '${BUSINESS_TIME_ZONE}')::date`;
}

// ─── GPS (where a record was made: lessons, signatures, audit events) ───

export const gpsColumns = () => ({
  gpsLatitude: numeric('gps_latitude', { precision: 10, scale: 7 }),
  gpsLongitude: numeric('gps_longitude', { precision: 10, scale: 7 }),
});

export const gpsChecks = (tableSqlName: string) => {
  const table = assertIdentifier(tableSqlName);
  return [
    check(`${table}_gps_latitude_check`, sql`gps_latitude BETWEEN -90 AND 90`),
    check(`${table}_gps_longitude_check`, sql`gps_longitude BETWEEN -180 AND 180`),
  ];
};

// ─── Hash chains (audit_log, signatures, student_competencies) ───
// A BEFORE INSERT trigger (custom migration) sets chain_position, previous_hash and
// record_hash and overwrites whatever the caller sent. `$defaultFn(() => sql`default`)`
// keeps them optional in the Insert types and sends DEFAULT; the trigger runs before
// NOT NULL is checked.

export const hashChainColumns = () => ({
  chainPosition: bigint('chain_position', { mode: 'number' }).notNull().$defaultFn(() => sql`default`),
  previousHash: text('previous_hash'),
  recordHash: text('record_hash').notNull().$defaultFn(() => sql`default`),
});

export const hashChainChecks = (tableSqlName: string) => {
  const table = assertIdentifier(tableSqlName);
  return [
    check(`${table}_chain_position_check`, sql`chain_position >= 1`),
    check(`${table}_record_hash_check`, sql`record_hash ~ '^[0-9a-f]{64}$'`),
    check(`${table}_previous_hash_check`, sql`previous_hash IS NULL OR previous_hash ~ '^[0-9a-f]{64}$'`),
    check(`${table}_genesis_check`, sql`(chain_position = 1) = (previous_hash IS NULL)`),
  ];
};
