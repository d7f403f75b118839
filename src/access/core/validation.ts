// Input validation before any SQL: every operation parses its input with a zod schema (derived from
// the table with drizzle-zod where the input is a row's columns, refined where the domain says more),
// and bad input becomes one ValidationError naming each bad field. Nothing is written.
import { z } from 'zod';
import { ValidationError } from '../../db/errors.js';

/**
 * The limits every input of every operation (and of the public reads) is held to, before its own
 * schema sees it, so no field can be forgotten: each string, wherever it sits (a field, a nested
 * object, an array, a JSON key), is text PostgreSQL stores exactly as given (no NUL, no lone
 * surrogate) and at most `maxStringChars` long; objects and arrays nest at most `maxDepth` deep. Each
 * field's schema then holds it to its own, usually much smaller, bound.
 */
export const INPUT_LIMITS = { maxStringChars: 65_536, maxDepth: 16 } as const;

/** Every place in `raw` that breaks INPUT_LIMITS, as "path: problem" pairs. Iterative: a hostile
 *  nesting cannot overflow the stack. */
export function inputLimitIssues(raw: unknown): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  const stack: Array<[unknown, string, number]> = [[raw, '', 0]];
  const at = (base: string, key: string | number) => (base === '' ? String(key) : `${base}.${key}`);
  while (stack.length > 0 && issues.length < 20) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = v.length > INPUT_LIMITS.maxStringChars ? `at most ${INPUT_LIMITS.maxStringChars} characters` : unstorableText(v);
      if (problem) issues.push({ path, message: problem });
      continue;
    }
    if (v === null || typeof v !== 'object' || v instanceof Date) continue;
    if (depth >= INPUT_LIMITS.maxDepth) {
      issues.push({ path, message: `nested deeper than ${INPUT_LIMITS.maxDepth} levels` });
      continue;
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push([item, at(path, i), depth + 1]));
      continue;
    }
    for (const [key, child] of Object.entries(v)) {
      const problem = key.length > INPUT_LIMITS.maxStringChars ? `a key of at most ${INPUT_LIMITS.maxStringChars} characters` : unstorableText(key);
      if (problem) issues.push({ path: at(path, '(key)'), message: `a key ${problem}` });
      else stack.push([child, at(path, key), depth + 1]);
    }
  }
  return issues;
}

/** Parses `raw` or throws ValidationError listing every problem as "field: message". */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown, what = 'input'): z.output<S> {
  const limits = inputLimitIssues(raw);
  if (limits.length > 0) {
    const issues = limits.map((i) => `${i.path || what}: ${i.message}`);
    throw new ValidationError(`invalid ${what}: ${issues.join('; ')}`, issues, [...new Set(limits.map((i) => i.path || what))]);
  }
  let parsed: z.ZodSafeParseResult<z.output<S>>;
  try {
    parsed = schema.safeParse(raw);
  } catch (err) {
    // A value zod cannot even walk (a cycle) is bad input like any other.
    throw new ValidationError(`invalid ${what}: ${(err as Error).message}`, [`${what}: cannot be read (${(err as Error).name})`], [what]);
  }
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || what}: ${i.message}`);
  const fields = [...new Set(parsed.error.issues.map((i) => i.path.map(String).join('.') || what))];
  throw new ValidationError(`invalid ${what}: ${issues.join('; ')}`, issues, fields);
}

// ─── Common field types ───

/**
 * A row id: what PostgreSQL's uuid type accepts (32 hex digits, upper or lower case, a hyphen after any
 * group of four, optionally in braces; any version and variant, e.g. 00000000-0000-0000-0000-0000000000c1),
 * given back in the canonical form PostgreSQL prints, so ids compare equal however they were written.
 */
export const id = () =>
  z
    .string('expected a uuid')
    .regex(/^(?:\{[0-9a-f]{4}(?:-?[0-9a-f]{4}){7}\}|[0-9a-f]{4}(?:-?[0-9a-f]{4}){7})$/i, 'expected a uuid')
    .transform((v) => {
      const hex = v.replace(/[{}-]/g, '').toLowerCase();
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    });

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
