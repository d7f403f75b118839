// Input validation before any SQL: every operation parses its input with a zod schema (derived from
// the table with drizzle-zod where the input is a row's columns, refined where the domain says more),
// and bad input becomes one ValidationError naming each bad field. Nothing is written.
import { z } from 'zod';
import { ValidationError } from '../../db/errors.js';

/** Parses `raw` or throws ValidationError listing every problem as "field: message". */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown, what = 'input'): z.output<S> {
  let parsed: z.ZodSafeParseResult<z.output<S>>;
  try {
    parsed = schema.safeParse(raw);
  } catch (err) {
    // A value zod cannot even walk (a cycle, a stack-deep nesting) is bad input like any other.
    throw new ValidationError(`invalid ${what}: ${(err as Error).message}`, [`${what}: cannot be read (${(err as Error).name})`], [what]);
  }
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || what}: ${i.message}`);
  const fields = [...new Set(parsed.error.issues.map((i) => i.path.map(String).join('.') || what))];
  throw new ValidationError(`invalid ${what}: ${issues.join('; ')}`, issues, fields);
}

// ─── Common field types ───

/** A row id. */
export const id = () => z.uuid('expected a uuid');

/** The years an instant of the school's business may fall in (lessons, bookings, payments). */
export const BUSINESS_YEARS = { from: 1900, to: 2200 } as const;

/**
 * An instant: a Date, or an ISO 8601 date-time with an offset or Z ("2026-12-01T10:00:00+11:00").
 * A string without an offset is refused: it would be read in the server's time zone. Years 1900 to
 * 2200 (before 1895 Canberra kept local mean time, which JavaScript and PostgreSQL date differently).
 */
export const instant = () =>
  z
    .union([z.date(), z.iso.datetime({ offset: true, message: 'expected a date-time with an offset, e.g. 2026-12-01T10:00:00+11:00' })])
    .transform((v) => (v instanceof Date ? v : new Date(v)))
    .refine((d) => !Number.isNaN(d.getTime()), 'expected a valid date-time')
    .refine(
      (d) => d.getUTCFullYear() >= BUSINESS_YEARS.from && d.getUTCFullYear() <= BUSINESS_YEARS.to,
      `expected a date-time in years ${BUSINESS_YEARS.from} to ${BUSINESS_YEARS.to}`,
    );

/** A calendar date, YYYY-MM-DD. */
export const isoDate = () => z.iso.date('expected a date like 2026-12-01');

/** Free text a person typed: trimmed, not empty, bounded. */
/** A lone UTF-16 surrogate: JavaScript strings may hold one, UTF-8 (and so PostgreSQL) cannot. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why PostgreSQL could not store `s` exactly as given (text and jsonb refuse NUL; a lone surrogate
 *  would be changed to U+FFFD on the way), or null when it can. */
export function unstorableText(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain a NUL character';
  if (LONE_SURROGATE.test(s)) return 'must not contain a lone surrogate (invalid UTF-16)';
  return null;
}

/** A string refinement: text PostgreSQL stores exactly as given. */
export const storable = (schema: z.ZodString) =>
  schema.superRefine((s, ctx) => {
    const problem = unstorableText(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const text = (max = 2000) => storable(z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`));

/**
 * A JSON value a caller supplies (device info, audit details): at most `maxBytes` of JSON and
 * `maxDepth` levels of nesting, checked without recursion, so a hostile value can neither fill an
 * append-only table nor overflow the stack.
 */
export const boundedJson = ({ maxBytes = 16_384, maxDepth = 8 } = {}) =>
  z.json().superRefine((value, ctx) => {
    const stack: Array<[unknown, number]> = [[value, 0]];
    while (stack.length) {
      const [v, depth] = stack.pop()!;
      if (typeof v === 'string' && unstorableText(v)) {
        ctx.addIssue({ code: 'custom', message: `a string ${unstorableText(v)}` });
        return;
      }
      if (v === null || typeof v !== 'object') continue;
      const badKey = Object.keys(v).find((k) => unstorableText(k) !== null);
      if (badKey !== undefined) {
        ctx.addIssue({ code: 'custom', message: `a key ${unstorableText(badKey)}` });
        return;
      }
      if (depth >= maxDepth) {
        ctx.addIssue({ code: 'custom', message: `nested deeper than ${maxDepth} levels` });
        return;
      }
      for (const child of Object.values(v)) stack.push([child, depth + 1]);
    }
    if (Buffer.byteLength(JSON.stringify(value)) > maxBytes) ctx.addIssue({ code: 'custom', message: `more than ${maxBytes} bytes of JSON` });
  });

/** Where an uploaded file lives: an r2:// or https:// URL, or a storage path (no other scheme). */
export const storageUrl = () =>
  storable(z
    .string()
    .trim()
    .max(500))
    .regex(/^(r2:\/\/|https:\/\/|[A-Za-z0-9][\w\-./]*$)/, 'expected an r2:// or https:// URL, or a storage path like signatures/abc.png');
