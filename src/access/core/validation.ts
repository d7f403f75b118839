// Input validation before any SQL: every operation parses its input with a zod schema (derived from
// the table with drizzle-zod where the input is a row's columns, refined where the domain says more),
// and bad input becomes one ValidationError naming each bad field. Nothing is written.
import { z } from 'zod';
import { ValidationError } from '../../db/errors.js';

/** Parses `raw` or throws ValidationError listing every problem as "field: message". */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown, what = 'input'): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || what}: ${i.message}`);
  const fields = [...new Set(parsed.error.issues.map((i) => i.path.map(String).join('.') || what))];
  throw new ValidationError(`invalid ${what}: ${issues.join('; ')}`, issues, fields);
}

// ─── Common field types ───

/** A row id. */
export const id = () => z.uuid('expected a uuid');

/**
 * An instant: a Date, or an ISO 8601 date-time with an offset or Z ("2026-12-01T10:00:00+11:00").
 * A string without an offset is refused: it would be read in the server's time zone. Years 1..9999.
 */
export const instant = () =>
  z
    .union([z.date(), z.iso.datetime({ offset: true, message: 'expected a date-time with an offset, e.g. 2026-12-01T10:00:00+11:00' })])
    .transform((v) => (v instanceof Date ? v : new Date(v)))
    .refine((d) => !Number.isNaN(d.getTime()), 'expected a valid date-time')
    .refine((d) => d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999, 'expected a date-time in years 1 to 9999');

/** A calendar date, YYYY-MM-DD. */
export const isoDate = () => z.iso.date('expected a date like 2026-12-01');

/** Free text a person typed: trimmed, not empty, bounded. */
export const text = (max = 2000) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
