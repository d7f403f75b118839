// The TypeScript side of the schema, without a database: the barrel exports the 29 tables under the
// spec's names (SPEC-01 12.1, as recorded in tests/spec/spec-01.json), the row types say what the
// spec says (the expectTypeOf assertions are checked by `npm run typecheck`, their runtime twins by
// this run), and docs/ERD.md is exactly what `npm run db:erd` writes today, a well-formed Mermaid
// erDiagram with one line per foreign key.
import { existsSync, readFileSync } from 'node:fs';
import { getTableName, isTable } from 'drizzle-orm';
import { ALL_TABLES } from '../src/db/tables.js';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as schema from '../src/db/schema/index.js';
import { ERD_PATH, generateErd } from '../src/tools/erd.js';
import { readSpec01 } from './spec/model.js';
import type {
  AuditSeverity, BookingStatus, Channel, CompetencyStatus, Lesson, LessonStatus, LifecycleStage, NewAuditLogEntry,
  NewLesson, NewStudentPackage, PaymentStatus, ProfileStatus, StudentPackage, UserRole,
} from '../src/db/types.js';

const spec = readSpec01();
/** Tables added to SPEC-01's 29 (docs/spec-deviations.md): SPEC-07 section 3.2's preferences (issue 18), parent invitations (issue 17). */
const ADDED_TABLES = ['notification_preferences', 'parent_invitations'];

const exported = schema as Record<string, unknown>;
const tables = ALL_TABLES;

describe('spec 12.1: the schema barrel', () => {
  // The list of spec 12.1's test.
  const specNames = spec.schemaExports;

  it('exports all 29 tables under the spec names (profiles, instructors, ..., waitlist)', () => {
    expect(specNames).toHaveLength(29);
    expect(specNames[0]).toBe('profiles');
    expect(specNames[28]).toBe('waitlist');
    for (const name of specNames) {
      expect(schema, name).toHaveProperty(name);
      expect(isTable(exported[name]), `${name} is a table`).toBe(true);
    }
  });

  it('exports exactly those 29 tables and the tables later specs add, each with the SQL name of its pgTable() in section 5', () => {
    expect(tables).toHaveLength(29 + ADDED_TABLES.length);
    expect(tables.map((table) => getTableName(table)).filter((name) => !spec.tables.some((x) => x.name === name)).sort()).toEqual(ADDED_TABLES);
    const specSqlNames = Object.fromEntries(spec.tables.map((table) => [table.exportName, table.name]));
    expect(Object.keys(specSqlNames).sort()).toEqual([...specNames].sort());
    for (const [name, sqlName] of Object.entries(specSqlNames)) {
      expect(getTableName(exported[name] as PgTable), name).toBe(sqlName);
    }
  });
});

describe('row types', () => {
  it('NewAuditLogEntry does not require recordHash or chainPosition (the chain trigger sets them)', () => {
    expectTypeOf<NewAuditLogEntry>().toHaveProperty('recordHash');
    expectTypeOf<NewAuditLogEntry>().toHaveProperty('chainPosition');
    expectTypeOf<Record<never, never>>().toExtend<Pick<NewAuditLogEntry, 'recordHash' | 'chainPosition' | 'previousHash'>>();
    expectTypeOf<{ eventType: string }>().toExtend<NewAuditLogEntry>();
    // Runtime twin: both columns are NOT NULL in the table, yet optional on insert through a default.
    const { columns } = getTableConfig(schema.auditLog);
    for (const name of ['record_hash', 'chain_position']) {
      const column = columns.find((c) => c.name === name);
      expect(column?.notNull, name).toBe(true);
      expect(column?.defaultFn, name).toBeTypeOf('function');
    }
  });

  it("Lesson['totalKm'] is number | null and NewLesson has no totalKm (a generated column)", () => {
    expectTypeOf<Lesson['totalKm']>().toEqualTypeOf<number | null>();
    expectTypeOf<NewLesson>().not.toHaveProperty('totalKm');
    const totalKm = getTableConfig(schema.lessons).columns.find((c) => c.name === 'total_km');
    expect(totalKm?.generated?.type).toBe('always');
  });

  it('StudentPackage has creditsRemaining (number | null), NewStudentPackage does not', () => {
    expectTypeOf<StudentPackage>().toHaveProperty('creditsRemaining');
    expectTypeOf<StudentPackage['creditsRemaining']>().toEqualTypeOf<number | null>();
    expectTypeOf<NewStudentPackage>().not.toHaveProperty('creditsRemaining');
    const creditsRemaining = getTableConfig(schema.studentPackages).columns.find((c) => c.name === 'credits_remaining');
    expect(creditsRemaining?.generated?.type).toBe('always');
  });

  it("BookingStatus is the union of the spec's 7 values", () => {
    expectTypeOf<BookingStatus>().toEqualTypeOf<
      'pending' | 'confirmed' | 'in_progress' | 'completed' | 'cancelled' | 'no_show' | 'rescheduled'
    >();
  });

  it('the enum types of spec section 6 hold exactly the values the spec lists, in its order', () => {
    // Type name in the spec -> the value list the type is derived from.
    const lists: Record<string, readonly string[]> = {
      UserRole: schema.USER_ROLES,
      ProfileStatus: schema.PROFILE_STATUSES,
      BookingStatus: schema.BOOKING_STATUSES,
      PaymentStatus: schema.PAYMENT_STATUSES,
      LessonStatus: schema.LESSON_STATUSES,
      CompetencyStatus: schema.COMPETENCY_STATUSES,
      LifecycleStage: schema.LIFECYCLE_STAGES,
      Channel: schema.CONVERSATION_CHANNELS,
      AuditSeverity: schema.AUDIT_SEVERITIES,
    };
    const fromSpec = spec.enumTypes;
    expect(Object.keys(fromSpec).sort()).toEqual(Object.keys(lists).sort());
    for (const [name, values] of Object.entries(lists)) expect([...values], name).toEqual(fromSpec[name]);
    // The exported types are those lists (a type-only check; values above).
    expectTypeOf<UserRole>().toEqualTypeOf<(typeof schema.USER_ROLES)[number]>();
    expectTypeOf<ProfileStatus>().toEqualTypeOf<(typeof schema.PROFILE_STATUSES)[number]>();
    expectTypeOf<PaymentStatus>().toEqualTypeOf<(typeof schema.PAYMENT_STATUSES)[number]>();
    expectTypeOf<LessonStatus>().toEqualTypeOf<(typeof schema.LESSON_STATUSES)[number]>();
    expectTypeOf<CompetencyStatus>().toEqualTypeOf<(typeof schema.COMPETENCY_STATUSES)[number]>();
    expectTypeOf<LifecycleStage>().toEqualTypeOf<(typeof schema.LIFECYCLE_STAGES)[number]>();
    expectTypeOf<Channel>().toEqualTypeOf<(typeof schema.CONVERSATION_CHANNELS)[number]>();
    expectTypeOf<AuditSeverity>().toEqualTypeOf<(typeof schema.AUDIT_SEVERITIES)[number]>();
  });
});

describe('docs/ERD.md', () => {
  const committed = existsSync(ERD_PATH) ? readFileSync(ERD_PATH, 'utf8') : '';
  const diagram = /```mermaid\n([\s\S]*?)```/.exec(committed)?.[1] ?? '';
  const lines = diagram.split('\n').filter((line) => line !== '');
  const RELATIONSHIP = /^ {2}([a-z_][a-z0-9_]*) (\|o|\|\||\}o|\}\|)--(o\||\|\||o\{|\|\{) ([a-z_][a-z0-9_]*) : "([^"]+)"$/;

  it('is what generateErd() writes from the current schema, byte for byte', () => {
    expect(committed, 'docs/ERD.md is stale: run npm run db:erd').toBe(generateErd());
  });

  it('has an entity for each of the 29 tables (and those later specs add)', () => {
    for (const table of tables) {
      expect(lines, getTableName(table)).toContain(`  ${getTableName(table)} {`);
    }
    expect(lines.filter((line) => /^ {2}[a-z_]+ \{$/.test(line))).toHaveLength(29 + ADDED_TABLES.length);
  });

  it('has one relationship line per foreign key of the schema', () => {
    const fks = tables.flatMap((table) =>
      getTableConfig(table).foreignKeys.map((fk) => {
        const ref = fk.reference();
        return { from: getTableName(table), to: getTableName(ref.foreignTable), label: ref.columns.map((c) => c.name).join(', ') };
      }),
    );
    expect(fks.length).toBeGreaterThanOrEqual(51);
    const relationships = lines.filter((line) => line.includes('--')).map((line) => RELATIONSHIP.exec(line));
    expect(relationships.every(Boolean), 'every relationship line is well formed').toBe(true);
    expect(relationships).toHaveLength(fks.length);
    const drawn = relationships.map((m) => `${m![1]} -> ${m![4]} : ${m![5]}`).sort();
    expect(drawn).toEqual(fks.map((fk) => `${fk.from} -> ${fk.to} : ${fk.label}`).sort());
  });

  it("is a well-formed Mermaid erDiagram: one-word attribute types, PK/FK/UK keys, quoted comments and labels", () => {
    expect(lines[0]).toBe('erDiagram');
    const attribute = /^ {4}([A-Za-z_][A-Za-z0-9_]*) ([A-Za-z_][A-Za-z0-9_]*)( (PK|FK|UK)(, (PK|FK|UK))*)?( "[^"]*")?$/;
    const malformed = lines.slice(1).filter((line) => {
      if (/^ {2}[a-z_][a-z0-9_]* \{$/.test(line) || line === '  }' || RELATIONSHIP.test(line)) return false;
      const m = attribute.exec(line);
      // Mermaid's lexer reads a bare pk/fk/uk (any case) as a key, never as a type or a name.
      return !m || /^(pk|fk|uk)$/i.test(m[1]) || /^(pk|fk|uk)$/i.test(m[2]);
    });
    expect(malformed).toEqual([]);
  });
});
