// The shape of tests/spec/spec-01.json (the facts of SPEC-01 that the tests hold the database to),
// how it is written (one canonical byte form) and how the tests read it (validated, typed).
// The JSON is produced by tests/spec/extract.ts from the spec itself (README: "SPEC-01 and its data").
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Where the extractor writes the spec data and where the tests read it. */
export const SPEC_01_JSON = fileURLToPath(new URL('./spec-01.json', import.meta.url));

/** A section number of the spec, as its heading writes it: "5.6", "7", "12.1". */
const section = z.string().regex(/^\d+(\.\d+)?$/);
const sqlName = z.string().regex(/^[a-z_][a-z0-9_]*$/);

export const SpecTableSchema = z.strictObject({
  name: sqlName,
  /** The TypeScript name the spec exports the table under (`export const <exportName> = pgTable(...)`). */
  exportName: z.string().regex(/^[A-Za-z_]\w*$/),
  section,
  /** SQL column names in the order the spec declares them. */
  columns: z.array(sqlName).min(1),
  primaryKey: z.array(sqlName),
  uniqueColumns: z.array(sqlName),
});

export const SpecIndexSchema = z.strictObject({
  name: sqlName,
  table: sqlName,
  section,
  unique: z.boolean(),
  partial: z.boolean(),
});

export const SpecForeignKeySchema = z.strictObject({
  /** Spelled out in section 7, or drizzle-kit's default for a `.references()` of section 5. */
  name: sqlName,
  table: sqlName,
  column: sqlName,
  refTable: sqlName,
  refColumn: sqlName,
  /** What the spec declares; "no action" (PostgreSQL's default) where it declares nothing. */
  onDelete: z.enum(['no action', 'restrict', 'cascade', 'set null', 'set default']),
  section,
});

export const SpecGeneratedColumnSchema = z.strictObject({
  table: sqlName,
  column: sqlName,
  type: z.string(),
  expression: z.string(),
  section,
});

export const SpecTriggerSchema = z.strictObject({
  name: sqlName,
  table: sqlName,
  timing: z.enum(['BEFORE', 'AFTER']),
  event: z.enum(['INSERT', 'UPDATE', 'DELETE']),
  function: sqlName,
  section,
});

export const SpecTaskSchema = z.strictObject({
  taskNumber: z.number().int(),
  name: z.string(),
  category: z.string(),
  description: z.string(),
  prerequisites: z.array(z.number().int()),
  isReview: z.boolean(),
  isFinalDrive: z.boolean(),
  reviewRequiresTasks: z.array(z.number().int()),
  finalDriveMinMinutes: z.number().int().nullable(),
  finalDriveUnfamiliarRoads: z.boolean(),
  sortOrder: z.number().int(),
});

export const SpecServiceSchema = z.strictObject({
  name: z.string(),
  slug: z.string(),
  description: z.string(),
  durationMinutes: z.number().int(),
  priceCents: z.number().int(),
  category: z.string(),
  requiresEligibilityCheck: z.boolean(),
  sortOrder: z.number().int(),
});

export const Spec01Schema = z.strictObject({
  /** Which document, which version, and where in it each kind of fact was read. */
  source: z.strictObject({
    document: z.string(),
    title: z.string(),
    version: z.string(),
    date: z.string(),
    extractedBy: z.string(),
    facts: z.record(z.string(), z.string()),
  }),
  tables: z.array(SpecTableSchema),
  indexes: z.array(SpecIndexSchema),
  foreignKeys: z.array(SpecForeignKeySchema),
  generatedColumns: z.array(SpecGeneratedColumnSchema),
  functions: z.array(sqlName),
  triggers: z.array(SpecTriggerSchema),
  /** Section 12.1's list of the table names the schema barrel exports, in the spec's order. */
  schemaExports: z.array(z.string()),
  /** Section 6: each enum type's values, in the spec's order. */
  enumTypes: z.record(z.string(), z.array(z.string()).min(1)),
  seed: z.strictObject({
    competencyTasks: z.array(SpecTaskSchema),
    services: z.array(SpecServiceSchema),
  }),
});

export type Spec01 = z.infer<typeof Spec01Schema>;
export type SpecTable = z.infer<typeof SpecTableSchema>;
export type SpecIndex = z.infer<typeof SpecIndexSchema>;
export type SpecForeignKey = z.infer<typeof SpecForeignKeySchema>;
export type SpecGeneratedColumn = z.infer<typeof SpecGeneratedColumnSchema>;
export type SpecTrigger = z.infer<typeof SpecTriggerSchema>;
export type SpecTask = z.infer<typeof SpecTaskSchema>;
export type SpecService = z.infer<typeof SpecServiceSchema>;

// ─── The canonical byte form ────────────────────────────────────────────────────────────────────
// The same facts always give the same bytes, whatever order the parser met them in, so a re-run of
// the extractor on an unchanged spec leaves `git diff` empty. Lists whose order carries no meaning
// (tables, indexes, keys, functions, triggers) are sorted by name; lists whose order is the spec's
// own statement (columns, enum values, 12.1's export list, prerequisites, seed rows) keep it.

const byName = <T extends { name: string }>(items: readonly T[]): T[] =>
  [...items].sort((a, b) => compare(a.name, b.name));

/** Code-unit order, independent of the locale of the machine that runs the extractor. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Object keys in a fixed order: `source` and `name` first, the rest by code unit. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const rank = (key: string) => (key === 'source' ? 0 : key === 'name' ? 1 : 2);
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b) || compare(a, b));
  return Object.fromEntries(keys.map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
}

/** The JSON text of the spec data: validated, canonically ordered, 2-space indent, trailing newline. */
export function formatSpec01Json(spec: Spec01): string {
  const valid = Spec01Schema.parse(spec);
  const canonical: Spec01 = {
    ...valid,
    tables: byName(valid.tables),
    indexes: byName(valid.indexes),
    foreignKeys: byName(valid.foreignKeys),
    generatedColumns: [...valid.generatedColumns].sort((a, b) => compare(`${a.table}.${a.column}`, `${b.table}.${b.column}`)),
    functions: [...valid.functions].sort(compare),
    triggers: byName(valid.triggers),
    seed: {
      competencyTasks: [...valid.seed.competencyTasks].sort((a, b) => a.taskNumber - b.taskNumber),
      services: [...valid.seed.services].sort((a, b) => a.sortOrder - b.sortOrder || compare(a.slug, b.slug)),
    },
  };
  return `${JSON.stringify(sortKeys(canonical), null, 2)}\n`;
}

/** The committed spec data, validated against the shape above (a hand edit that breaks it fails here). */
export function readSpec01(file: string = SPEC_01_JSON): Spec01 {
  return Spec01Schema.parse(JSON.parse(readFileSync(file, 'utf8')));
}
