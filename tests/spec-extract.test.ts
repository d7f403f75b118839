// The spec data and its extractor, without a database and without the spec: tests/spec/spec-01.json is
// valid and in the extractor's canonical byte form (so a re-extraction of an unchanged spec changes
// nothing), and parseSpec01 reads each kind of fact out of a small inline sample written the way
// SPEC-01 writes it, and refuses text it only half recognises.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatSpec01Json, readSpec01, SPEC_01_JSON, type Spec01 } from './spec/model.js';
import { parseSpec01, SpecParseError } from './spec/parse.js';

const SAMPLE = `# SPEC-01: Sample
**Version:** 9.9  
**Date:** 1 April 2030  

## 4. Extensions

## 5. Schema Definitions

### 5.1 Users (\`src/db/schema/users.ts\`)

\`\`\`typescript
export const profiles = pgTable('profiles', {
  id: uuid('id').primaryKey().defaultRandom(),
  clerkUserId: text('clerk_user_id').notNull().unique(),
  // legacyId: text('legacy_id'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (table) => [
  index('idx_profiles_clerk').on(table.clerkUserId),
  // index('idx_profiles_legacy').on(table.legacyId),
]);
\`\`\`

### 5.2 Knowledge (\`src/db/schema/rag.ts\`)

\`\`\`typescript
export const ragDocuments = pgTable('rag_documents', {
  id: uuid('id').primaryKey().defaultRandom(),
  ownerId: uuid('owner_id').references(() => profiles.id),
  updatedAt: timestamp('updated_at', { withTimezone: true }),
});

export const ragChunks = pgTable('rag_chunks', {
  id: uuid('id').primaryKey().defaultRandom(),
  documentId: uuid('document_id').notNull().references(() => ragDocuments.id, { onDelete: 'cascade' }),
  position: integer('position').notNull(),
}, (table) => [
  uniqueIndex('idx_rag_chunks_position').on(table.documentId, table.position).where(sql\`position >= 0\`),
]);
\`\`\`

## 6. TypeScript Types

\`\`\`typescript
export type Profile = InferSelectModel<typeof profiles>;
export type UserRole = 'admin' | 'student';
\`\`\`

## 7. Custom SQL Migration

\`\`\`sql
-- 1. GENERATED COLUMNS
ALTER TABLE rag_chunks
  ADD COLUMN IF NOT EXISTS next_position INTEGER
  GENERATED ALWAYS AS (position + 1) STORED;

CREATE UNIQUE INDEX IF NOT EXISTS idx_docs_owner
  ON rag_documents(owner_id)
  WHERE owner_id IS NOT NULL;
-- CREATE INDEX IF NOT EXISTS idx_commented_out ON rag_chunks(position);

ALTER TABLE rag_chunks
  ADD CONSTRAINT fk_chunks_owner
  FOREIGN KEY (position) REFERENCES profiles(id);

CREATE OR REPLACE FUNCTION update_updated_at()
RETURNS TRIGGER AS $$
BEGIN
  NEW.updated_at = NOW();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER set_updated_at_docs   BEFORE UPDATE ON rag_documents   FOR EACH ROW EXECUTE FUNCTION update_updated_at();
\`\`\`

## 9. Seed Data Script

\`\`\`typescript
  const tasks = [
    { taskNumber: 1, name: 'Pre-Drive', category: 'Basic Control', description: 'Seatbelt, mirrors; it\\'s first', prerequisites: [], sortOrder: 1 },
    { taskNumber: 2, name: 'Review', category: 'Review', description: 'Review of 1', prerequisites: [1], isReview: true, reviewRequiresTasks: [1], sortOrder: 2 },
  ];

  await db.insert(services).values([
    { name: 'Lesson (60 min)', slug: 'lesson-60', description: 'A lesson — 60 minutes', durationMinutes: 60, priceCents: 10500, category: 'lesson', sortOrder: 1 },
  ]).onConflictDoNothing();
\`\`\`

## 12. Testing Strategy

### 12.1 Schema Validation

\`\`\`typescript
    const tableNames = [
      'profiles', 'ragDocuments', 'ragChunks',
    ];
\`\`\`
`;

describe('tests/spec/spec-01.json', () => {
  const text = readFileSync(SPEC_01_JSON, 'utf8');

  it('is valid spec data in the canonical form the extractor writes (sorted, 2-space indent, trailing newline)', () => {
    const spec = readSpec01();
    expect(formatSpec01Json(spec)).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "source": {');
  });

  it('names where its facts come from, by section of SPEC-01 v1.0', () => {
    const { source, tables } = readSpec01();
    expect(Object.keys(source.facts).sort()).toEqual(
      ['enumTypes', 'foreignKeys', 'functions', 'generatedColumns', 'indexes', 'schemaExports', 'seed', 'tables', 'triggers'],
    );
    for (const [fact, where] of Object.entries(source.facts)) expect(where, fact).toMatch(/^SPEC-01 v1\.0 \(20 February 2026\), sections? \d/);
    expect(tables.find((x) => x.name === 'signatures')?.section).toBe('5.6');
  });
});

describe('formatSpec01Json', () => {
  it('gives the same bytes whatever order the facts come in', () => {
    const spec = readSpec01();
    const shuffled: Spec01 = {
      ...spec,
      tables: [...spec.tables].reverse(),
      indexes: [...spec.indexes].reverse(),
      foreignKeys: [...spec.foreignKeys].reverse(),
      functions: [...spec.functions].reverse(),
      triggers: [...spec.triggers].reverse(),
      enumTypes: Object.fromEntries(Object.entries(spec.enumTypes).reverse()),
    };
    expect(formatSpec01Json(shuffled)).toBe(formatSpec01Json(spec));
  });

  it('keeps the order the spec gives to columns, enum values and the 12.1 export list', () => {
    const spec = readSpec01();
    const json = JSON.parse(formatSpec01Json(spec)) as Spec01;
    expect(json.tables.find((x) => x.name === 'profiles')?.columns[0]).toBe('id');
    expect(json.enumTypes.BookingStatus[0]).toBe('pending');
    expect(json.schemaExports[0]).toBe('profiles');
  });

  it('refuses data of the wrong shape', () => {
    const spec = readSpec01();
    expect(() => formatSpec01Json({ ...spec, functions: ['Not A Name'] })).toThrow();
    expect(() => formatSpec01Json({ ...spec, extra: 1 } as Spec01)).toThrow();
  });
});

describe('parseSpec01 on a sample written like SPEC-01', () => {
  const spec = parseSpec01(SAMPLE);

  it('reads the header into the source note', () => {
    expect(spec.source).toMatchObject({ document: 'SPEC-01_Database_Schema_ERD.md', title: 'SPEC-01: Sample', version: '9.9', date: '1 April 2030' });
    expect(spec.source.facts.tables).toMatch(/^SPEC-01 v9\.9 \(1 April 2030\), sections 5\./);
  });

  it('reads tables with their section, columns in order, primary key and unique columns, skipping commented-out lines', () => {
    expect(spec.tables).toEqual([
      { name: 'profiles', exportName: 'profiles', section: '5.1', columns: ['id', 'clerk_user_id', 'created_at'], primaryKey: ['id'], uniqueColumns: ['clerk_user_id'] },
      { name: 'rag_documents', exportName: 'ragDocuments', section: '5.2', columns: ['id', 'owner_id', 'updated_at'], primaryKey: ['id'], uniqueColumns: [] },
      { name: 'rag_chunks', exportName: 'ragChunks', section: '5.2', columns: ['id', 'document_id', 'position'], primaryKey: ['id'], uniqueColumns: [] },
    ]);
  });

  it('reads indexes from section 5 and section 7, unique and partial, skipping commented-out ones', () => {
    expect(spec.indexes).toEqual([
      { name: 'idx_profiles_clerk', table: 'profiles', section: '5.1', unique: false, partial: false },
      { name: 'idx_rag_chunks_position', table: 'rag_chunks', section: '5.2', unique: true, partial: true },
      { name: 'idx_docs_owner', table: 'rag_documents', section: '7', unique: true, partial: true },
    ]);
  });

  it("names .references() as drizzle-kit does, with on delete, and reads section 7's fk_ constraints", () => {
    expect(spec.foreignKeys).toEqual([
      { name: 'rag_documents_owner_id_profiles_id_fk', table: 'rag_documents', column: 'owner_id', refTable: 'profiles', refColumn: 'id', onDelete: 'no action', section: '5.2' },
      { name: 'rag_chunks_document_id_rag_documents_id_fk', table: 'rag_chunks', column: 'document_id', refTable: 'rag_documents', refColumn: 'id', onDelete: 'cascade', section: '5.2' },
      { name: 'fk_chunks_owner', table: 'rag_chunks', column: 'position', refTable: 'profiles', refColumn: 'id', onDelete: 'no action', section: '7' },
    ]);
  });

  it('reads generated columns, functions and triggers from section 7', () => {
    expect(spec.generatedColumns).toEqual([{ table: 'rag_chunks', column: 'next_position', type: 'INTEGER', expression: 'position + 1', section: '7' }]);
    expect(spec.functions).toEqual(['update_updated_at']);
    expect(spec.triggers).toEqual([
      { name: 'set_updated_at_docs', table: 'rag_documents', timing: 'BEFORE', event: 'UPDATE', function: 'update_updated_at', section: '7' },
    ]);
  });

  it('reads the enum types of section 6 and the export list of 12.1, in the spec order', () => {
    expect(spec.enumTypes).toEqual({ UserRole: ['admin', 'student'] });
    expect(spec.schemaExports).toEqual(['profiles', 'ragDocuments', 'ragChunks']);
  });

  it('reads the seed rows of section 9, with escapes and the defaults of the seed code for absent fields', () => {
    expect(spec.seed.competencyTasks).toEqual([
      {
        taskNumber: 1, name: 'Pre-Drive', category: 'Basic Control', description: "Seatbelt, mirrors; it's first", prerequisites: [],
        isReview: false, isFinalDrive: false, reviewRequiresTasks: [], finalDriveMinMinutes: null, finalDriveUnfamiliarRoads: false, sortOrder: 1,
      },
      {
        taskNumber: 2, name: 'Review', category: 'Review', description: 'Review of 1', prerequisites: [1],
        isReview: true, isFinalDrive: false, reviewRequiresTasks: [1], finalDriveMinMinutes: null, finalDriveUnfamiliarRoads: false, sortOrder: 2,
      },
    ]);
    expect(spec.seed.services).toEqual([
      { name: 'Lesson (60 min)', slug: 'lesson-60', description: 'A lesson — 60 minutes', durationMinutes: 60, priceCents: 10500, category: 'lesson', requiresEligibilityCheck: false, sortOrder: 1 },
    ]);
  });

  it('gives the same JSON bytes on every run', () => {
    expect(formatSpec01Json(parseSpec01(SAMPLE))).toBe(formatSpec01Json(spec));
  });
});

describe('parseSpec01 refuses what it only half recognises (SPEC_PARSE)', () => {
  const refusal = (markdown: string) => {
    try {
      parseSpec01(markdown);
    } catch (err) {
      expect(err).toBeInstanceOf(SpecParseError);
      return (err as SpecParseError).code + ': ' + (err as Error).message;
    }
    throw new Error('parseSpec01 accepted it');
  };

  it('a .references() it cannot read', () => {
    expect(refusal(SAMPLE.replace("{ onDelete: 'cascade' }", "{ onUpdate: 'cascade' }"))).toMatch(/^SPEC_PARSE: rag_chunks\.document_id: a \.references\(\)/);
  });

  it('a section 7 statement of an unknown kind', () => {
    expect(refusal(SAMPLE.replace('CREATE OR REPLACE TRIGGER', 'CREATE VIEW v AS SELECT 1;\nCREATE OR REPLACE TRIGGER'))).toBe(
      'SPEC_PARSE: section 7: 6 CREATE/ALTER statements, 5 recognised',
    );
  });

  it('a pgTable() written another way', () => {
    expect(refusal(SAMPLE.replace("export const ragChunks = pgTable('rag_chunks', {", "export const ragChunks = pgTable(\n  'rag_chunks', {"))).toMatch(
      /^SPEC_PARSE: 3 pgTable\(\) calls but 2/,
    );
  });

  it('a seed value of a shape it does not know, a missing section, a missing field', () => {
    expect(refusal(SAMPLE.replace('priceCents: 10500', 'priceCents: PRICE'))).toMatch(/^SPEC_PARSE: section 9: a value the extractor cannot read/);
    expect(refusal(SAMPLE.replace('## 7. Custom SQL Migration', '## 7b. Custom SQL'))).toBe('SPEC_PARSE: section 7 not found');
    expect(refusal(SAMPLE.replace("slug: 'lesson-60', ", ''))).toMatch(/^SPEC_PARSE: the extracted data is incomplete/);
  });
});
