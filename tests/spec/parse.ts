// Reads the facts the tests need out of SPEC-01's markdown: the tables, indexes and foreign keys of the
// section 5 pgTable() code, section 6's enum types, section 7's custom SQL (generated columns, indexes,
// fk_ constraints, functions, triggers), section 9's seed rows and section 12.1's export list.
// A pure function of the text; tests/spec/extract.ts writes its result to tests/spec/spec-01.json.
// It fails loudly (SPEC_PARSE) on anything it half-recognises, so a changed spec cannot silently
// drop a fact from the data the tests compare the database against.
import { NexDriveError } from '../../src/db/errors.js';
import {
  Spec01Schema,
  type Spec01,
  type SpecForeignKey,
  type SpecIndex,
  type SpecService,
  type SpecTable,
  type SpecTask,
  type SpecTrigger,
} from './model.js';

/** The spec's text does not have the shape the extractor expects. */
export class SpecParseError extends NexDriveError {
  constructor(message: string) {
    super('SPEC_PARSE', message);
  }
}

/** The name under which the user's spec is known; only recorded in the data, never opened by a test. */
export const SPEC_01_DOCUMENT = 'SPEC-01_Database_Schema_ERD.md';

// ─── Sections ───────────────────────────────────────────────────────────────────────────────────

interface Heading {
  offset: number;
  /** "5", "5.6", "12.1" */
  number: string;
  /** `## N.` (a top-level section) rather than `### N.M`. */
  topLevel: boolean;
}

function headings(markdown: string): Heading[] {
  return [...markdown.matchAll(/^(#{2,3}) (\d+(?:\.\d+)?)\.?\s/gm)].map((m) => ({
    offset: m.index,
    number: m[2],
    topLevel: m[1] === '##',
  }));
}

/** The number of the innermost numbered section that contains `offset`. */
function sectionAt(all: Heading[], offset: number): string {
  const heading = all.filter((h) => h.offset <= offset).pop();
  if (!heading) throw new SpecParseError(`text at offset ${offset} is before the first numbered section`);
  return heading.number;
}

/** The text of top-level section `number` (from its `## N.` heading to the next `## ` heading). */
function sectionText(markdown: string, all: Heading[], number: string): { text: string; offset: number } {
  const start = all.find((h) => h.topLevel && h.number === number);
  if (!start) throw new SpecParseError(`section ${number} not found`);
  const next = all.find((h) => h.topLevel && h.offset > start.offset);
  return { text: markdown.slice(start.offset, next?.offset ?? markdown.length), offset: start.offset };
}

/** The lines of a code block without whole-line comments (commented-out code is not part of the spec). */
function codeLines(text: string): string[] {
  return text.split('\n').filter((line) => !/^\s*\/\//.test(line));
}

// ─── Section 5: pgTable() definitions ───────────────────────────────────────────────────────────

interface Reference {
  table: string;
  column: string;
  refVar: string;
  refColumn: string;
  onDelete: SpecForeignKey['onDelete'];
  section: string;
}

function parseTables(markdown: string, all: Heading[]) {
  const tables: SpecTable[] = [];
  const indexes: SpecIndex[] = [];
  const references: Reference[] = [];
  const tableByVar = new Map<string, string>();

  const tableStart = /^export const (\w+) = pgTable\('([a-z_]+)', \{\s*$/gm;
  for (const m of markdown.matchAll(tableStart)) {
    const [, exportName, name] = m;
    const section = sectionAt(all, m.index);
    tableByVar.set(exportName, name);
    const rest = markdown.slice(m.index + m[0].length);
    // The column object ends at the first line that starts with '}'; the extra config (indexes)
    // runs from there to the closing ']);' or '});'.
    const bodyEnd = rest.search(/^\}/m);
    const configEnd = rest.slice(bodyEnd).search(/^(\]\)|\}\));/m) + bodyEnd;
    if (bodyEnd < 0 || configEnd < bodyEnd) throw new SpecParseError(`table ${name}: end of its pgTable() not found`);
    const body = rest.slice(0, bodyEnd);
    const config = rest.slice(bodyEnd, configEnd + 3);

    const table: SpecTable = { name, exportName, section, columns: [], primaryKey: [], uniqueColumns: [] };
    for (const line of codeLines(body)) {
      // `camelName: builder('sql_name', ...)...`: the first string argument is the SQL column name.
      const col = /^\s*\w+:\s*\w+\('([a-z0-9_]+)'(.*)$/.exec(line);
      if (!col) continue;
      const [, column, chain] = col;
      table.columns.push(column);
      if (chain.includes('.primaryKey()')) table.primaryKey.push(column);
      if (chain.includes('.unique()')) table.uniqueColumns.push(column);
      if (!chain.includes('.references(')) continue;
      const ref = /\.references\(\(\) => (\w+)\.(\w+)(?:, \{ onDelete: '([a-z ]+)' \})?\)/.exec(chain);
      if (!ref) throw new SpecParseError(`${name}.${column}: a .references() the extractor cannot read: ${line.trim()}`);
      const onDelete = (ref[3] ?? 'no action') as SpecForeignKey['onDelete'];
      references.push({ table: name, column, refVar: ref[1], refColumn: ref[2], onDelete, section });
    }
    tables.push(table);

    for (const line of codeLines(config)) {
      const idx = /\b(uniqueIndex|index)\('([a-z0-9_]+)'\)/.exec(line);
      if (idx) indexes.push({ name: idx[2], table: name, section, unique: idx[1] === 'uniqueIndex', partial: line.includes('.where(') });
    }
  }

  const declared = [...markdown.matchAll(/= pgTable\(/g)].length;
  if (declared !== tables.length) {
    throw new SpecParseError(`${declared} pgTable() calls but ${tables.length} in the form "export const x = pgTable('name', {"`);
  }

  // drizzle-kit names a `.references()` constraint <table>_<column>_<ref table>_<ref column>_fk.
  const foreignKeys: SpecForeignKey[] = references.map((r) => {
    const refTable = tableByVar.get(r.refVar);
    if (!refTable) throw new SpecParseError(`${r.table}.${r.column} references unknown table variable ${r.refVar}`);
    return {
      name: `${r.table}_${r.column}_${refTable}_${r.refColumn}_fk`,
      table: r.table,
      column: r.column,
      refTable,
      refColumn: r.refColumn,
      onDelete: r.onDelete,
      section: r.section,
    };
  });

  return { tables, indexes, foreignKeys };
}

// ─── Section 7: the custom SQL migration ────────────────────────────────────────────────────────

function parseCustomSql(markdown: string, all: Heading[]) {
  const { text } = sectionText(markdown, all, '7');
  const block = /```sql\n([\s\S]*?)```/.exec(text);
  if (!block) throw new SpecParseError('section 7: its SQL block not found');
  const customSql = block[1]
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n');
  const section = '7';

  const indexes: SpecIndex[] = [...customSql.matchAll(/CREATE (UNIQUE )?INDEX IF NOT EXISTS (\w+)\s+ON (\w+)([^;]*);/g)].map((m) => ({
    name: m[2],
    table: m[3],
    section,
    unique: Boolean(m[1]),
    partial: /\bWHERE\b/.test(m[4]),
  }));
  const foreignKeys: SpecForeignKey[] = [
    ...customSql.matchAll(/ALTER TABLE (\w+)\s+ADD CONSTRAINT (\w+)\s+FOREIGN KEY \((\w+)\) REFERENCES (\w+)\((\w+)\)\s*;/g),
  ].map((m) => ({ name: m[2], table: m[1], column: m[3], refTable: m[4], refColumn: m[5], onDelete: 'no action', section }));
  const generatedColumns = [
    ...customSql.matchAll(/ALTER TABLE (\w+)\s+ADD COLUMN IF NOT EXISTS (\w+) (\w+)\s+GENERATED ALWAYS AS \((.*)\) STORED;/g),
  ].map((m) => ({ table: m[1], column: m[2], type: m[3], expression: m[4], section }));
  const functions = [...customSql.matchAll(/CREATE OR REPLACE FUNCTION (\w+)/g)].map((m) => m[1]);
  const triggers: SpecTrigger[] = [
    ...customSql.matchAll(
      /CREATE OR REPLACE TRIGGER (\w+)\s+(BEFORE|AFTER) (INSERT|UPDATE|DELETE) ON (\w+)\s+FOR EACH ROW EXECUTE FUNCTION (\w+)\(\);/g,
    ),
  ].map((m) => ({
    name: m[1],
    timing: m[2] as SpecTrigger['timing'],
    event: m[3] as SpecTrigger['event'],
    table: m[4],
    function: m[5],
    section,
  }));

  // Every statement must be one of the kinds above; an unrecognised one would be a fact lost.
  const statements = [...customSql.matchAll(/^(CREATE|ALTER)\b/gm)].length;
  const recognised = indexes.length + foreignKeys.length + generatedColumns.length + functions.length + triggers.length;
  if (statements !== recognised) {
    throw new SpecParseError(`section 7: ${statements} CREATE/ALTER statements, ${recognised} recognised`);
  }
  return { indexes, foreignKeys, generatedColumns, functions, triggers };
}

// ─── Section 6 (enum types) and section 12.1 (the export list) ──────────────────────────────────

function parseEnumTypes(markdown: string, all: Heading[]): Record<string, string[]> {
  const { text } = sectionText(markdown, all, '6');
  return Object.fromEntries(
    [...text.matchAll(/^export type (\w+) = ('[^;]+');$/gm)].map((m) => [m[1], [...m[2].matchAll(/'(\w+)'/g)].map((v) => v[1])]),
  );
}

function parseSchemaExports(markdown: string, all: Heading[]): string[] {
  const { text, offset } = sectionText(markdown, all, '12');
  const block = /const tableNames = \[([\s\S]*?)\];/.exec(text);
  if (!block) throw new SpecParseError('section 12: the tableNames list not found');
  const found = sectionAt(all, offset + block.index);
  if (found !== '12.1') throw new SpecParseError(`the tableNames list is in section ${found}, not 12.1`);
  return [...block[1].matchAll(/'(\w+)'/g)].map((m) => m[1]);
}

// ─── Section 9: seed rows ───────────────────────────────────────────────────────────────────────

type Literal = string | number | boolean | null | number[];

/** One single-line object literal of the seed code, `{ key: value, ... },` with flat values. */
function parseObjectLiteral(line: string): Record<string, Literal> {
  const inner = /^\s*\{ (.*) \},?\s*$/.exec(line);
  if (!inner) throw new SpecParseError(`section 9: not a one-line object literal: ${line.trim()}`);
  const field = /(\w+): ('(?:[^'\\]|\\.)*'|\[[\d, ]*\]|-?\d+|true|false|null)(?:, |$)/y;
  const fields: Record<string, Literal> = {};
  while (field.lastIndex < inner[1].length) {
    const start = field.lastIndex;
    const m = field.exec(inner[1]);
    if (!m) throw new SpecParseError(`section 9: a value the extractor cannot read at "${inner[1].slice(start, start + 40)}"`);
    const raw = m[2];
    fields[m[1]] = raw.startsWith("'")
      ? raw.slice(1, -1).replace(/\\(.)/g, '$1')
      : raw.startsWith('[')
        ? raw.slice(1, -1).split(',').map((n) => n.trim()).filter(Boolean).map(Number)
        : raw === 'null' ? null : raw === 'true' ? true : raw === 'false' ? false : Number(raw);
  }
  return fields;
}

/** The object-literal lines between `opening` and the line that closes the list. */
function literalRows(text: string, opening: RegExp, what: string): Record<string, Literal>[] {
  const block = new RegExp(`${opening.source}\\n([\\s\\S]*?)\\n\\s*\\]`).exec(text);
  if (!block) throw new SpecParseError(`section 9: ${what} not found`);
  return block[1].split('\n').filter((line) => line.trim() !== '' && !/^\s*\/\//.test(line)).map(parseObjectLiteral);
}

function parseSeed(markdown: string, all: Heading[]) {
  const { text } = sectionText(markdown, all, '9');
  // Absent optional fields take the values the spec's own insert code gives them
  // (`t.isReview ?? false`, `t.reviewRequiresTasks ?? []`, ...; the services column defaults to false).
  const competencyTasks = literalRows(text, /const tasks = \[/, 'the tasks list').map(
    (f) =>
      ({
        taskNumber: f.taskNumber,
        name: f.name,
        category: f.category,
        description: f.description,
        prerequisites: f.prerequisites,
        isReview: f.isReview ?? false,
        isFinalDrive: f.isFinalDrive ?? false,
        reviewRequiresTasks: f.reviewRequiresTasks ?? [],
        finalDriveMinMinutes: f.finalDriveMinMinutes ?? null,
        finalDriveUnfamiliarRoads: f.finalDriveUnfamiliarRoads ?? false,
        sortOrder: f.sortOrder,
      }) as SpecTask,
  );
  const services = literalRows(text, /\.insert\(services\)\.values\(\[/, 'the services insert').map(
    (f) =>
      ({
        name: f.name,
        slug: f.slug,
        description: f.description,
        durationMinutes: f.durationMinutes,
        priceCents: f.priceCents,
        category: f.category,
        requiresEligibilityCheck: f.requiresEligibilityCheck ?? false,
        sortOrder: f.sortOrder,
      }) as SpecService,
  );
  return { competencyTasks, services };
}

// ─── The whole document ─────────────────────────────────────────────────────────────────────────

function headerField(markdown: string, label: string): string {
  const m = new RegExp(`^\\*\\*${label}:\\*\\* (.+?)\\s*$`, 'm').exec(markdown);
  if (!m) throw new SpecParseError(`the header has no **${label}:** line`);
  return m[1];
}

export function parseSpec01(markdown: string): Spec01 {
  const all = headings(markdown);
  const title = /^# (.+)$/m.exec(markdown)?.[1];
  if (!title) throw new SpecParseError('the document has no # title');
  const version = headerField(markdown, 'Version');
  const date = headerField(markdown, 'Date');
  const cite = (where: string) => `SPEC-01 v${version} (${date}), ${where}`;

  const section5 = parseTables(markdown, all);
  const section7 = parseCustomSql(markdown, all);
  const spec: Spec01 = {
    source: {
      document: SPEC_01_DOCUMENT,
      title,
      version,
      date,
      extractedBy: 'tests/spec/extract.ts (npm run spec:extract -- <path of the spec>)',
      facts: {
        tables: cite("sections 5.1-5.12, the pgTable() column objects: SQL column names, .primaryKey(), .unique(); each table's own section in its `section`"),
        indexes: cite("sections 5.1-5.12 (index()/uniqueIndex() in a pgTable's extra config; partial when it has .where()) and section 7 (CREATE [UNIQUE] INDEX; partial when it has WHERE)"),
        foreignKeys: cite("sections 5.1-5.12, .references() under drizzle-kit's default name <table>_<column>_<ref table>_<ref column>_fk, and section 7, ALTER TABLE ... ADD CONSTRAINT fk_...; onDelete as declared, 'no action' where none is"),
        generatedColumns: cite('section 7, "1. GENERATED COLUMNS" (ALTER TABLE ... ADD COLUMN ... GENERATED ALWAYS AS (...) STORED)'),
        functions: cite('section 7, "5. DATABASE FUNCTIONS" (CREATE OR REPLACE FUNCTION)'),
        triggers: cite('section 7, "6. TRIGGERS" (CREATE OR REPLACE TRIGGER)'),
        schemaExports: cite('section 12.1, the tableNames list of the schema export test'),
        enumTypes: cite("section 6, the `export type X = 'a' | 'b'` union types"),
        seed: cite("section 9, the seed script's tasks list and services insert; absent optional fields as its insert code defaults them"),
      },
    },
    tables: section5.tables,
    indexes: [...section5.indexes, ...section7.indexes],
    foreignKeys: [...section5.foreignKeys, ...section7.foreignKeys],
    generatedColumns: section7.generatedColumns,
    functions: section7.functions,
    triggers: section7.triggers,
    schemaExports: parseSchemaExports(markdown, all),
    enumTypes: parseEnumTypes(markdown, all),
    seed: parseSeed(markdown, all),
  };
  const checked = Spec01Schema.safeParse(spec);
  if (!checked.success) throw new SpecParseError(`the extracted data is incomplete: ${checked.error.message}`);
  return checked.data;
}
