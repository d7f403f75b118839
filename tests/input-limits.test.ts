// Issue 15, item 5: one validator for all text. A NUL character, a lone surrogate or a megabyte of text
// in any field of any operation's input ended as DATABASE_ERROR 22021, was stored as U+FFFD, or was
// stored whole (a 1 MB first name). This test walks the zod schema of every operation the package
// exports (and the public reads), finds every field, nested ones included, and feeds each the three
// bad strings: each must be VALIDATION_ERROR naming exactly that field, and nothing may be written. A
// field added later is covered without anyone remembering it.
import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as access from '../src/access/index.js';
import { getAvailableSlots, listServices, listServicesInput, searchKnowledge, type Actor, type Operation } from '../src/access/index.js';
import { INPUT_LIMITS, inputLimitIssues } from '../src/access/core/validation.js';
import { getAvailableSlotsInput } from '../src/access/scheduling/slots.js';
import { searchKnowledgeInput } from '../src/access/knowledge/inputs.js';
import { ValidationError } from '../src/db/errors.js';
import { queryRows } from '../src/db/sql.js';
import { openTestDb, type TestDb } from './support/db.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.dispose());

const BAD: Array<[string, string]> = [
  ['a NUL character', 'before\u0000after'],
  ['a lone surrogate', 'before\uD800after'],
  ['a megabyte of text', 'x'.repeat(1_048_576)],
];

type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType; options?: z.ZodType[]; element?: z.ZodType; left?: z.ZodType; right?: z.ZodType };
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Every field path of a schema, nested objects and array elements included (["rules", 0, "startTime"]). */
function fieldPaths(schema: z.ZodType, prefix: Array<string | number> = [], seen = new Set<z.ZodType>()): Array<Array<string | number>> {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape!).flatMap(([key, child]) => [[...prefix, key], ...fieldPaths(child, [...prefix, key], seen)]);
    case 'optional': case 'nullable': case 'default': case 'prefault': case 'readonly': case 'catch': case 'nonoptional':
      return fieldPaths(def.innerType!, prefix, seen);
    case 'pipe':
      return [...fieldPaths(def.in!, prefix, seen), ...fieldPaths(def.out!, prefix, seen)];
    case 'union':
      return def.options!.flatMap((o) => fieldPaths(o, prefix, seen));
    case 'intersection':
      return [...fieldPaths(def.left!, prefix, seen), ...fieldPaths(def.right!, prefix, seen)];
    case 'array':
      return fieldPaths(def.element!, [...prefix, 0], seen);
    default:
      return [];
  }
}

/** An input holding `value` at `path` and nothing else. */
function inputWith(path: Array<string | number>, value: unknown): unknown {
  return path.reduceRight<unknown>((inner, key) => (typeof key === 'number' ? [inner] : { [key]: inner }), value);
}

const operations = (Object.values(access) as unknown[]).filter((v): v is Operation<unknown, unknown> => typeof v === 'function' && 'operation' in v);
const admin: Actor = { userId: 'user_2limits', role: 'admin' };

async function rowCount(): Promise<number> {
  const tables = await queryRows<{ name: string }>(t.db, sql`select quote_ident(table_name) as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
  const [{ n }] = await queryRows<{ n: number }>(t.db, sql.raw(`select (${tables.map((x) => `(select count(*) from ${x.name})`).join(' + ')})::int as n`));
  return n;
}

describe('every field of every input', () => {
  let before: number;
  beforeAll(async () => {
    before = await rowCount();
  });

  it('finds fields in every exported operation (the walk itself works)', () => {
    expect(operations.length).toBeGreaterThanOrEqual(40);
    for (const op of operations) expect(fieldPaths(op.operation.input), op.operation.name).not.toEqual([]);
    expect(fieldPaths(access.recordLessonCorrection.operation.input).map((p) => p.join('.'))).toContain('changes.odoStart');
  });

  it.each(operations.map((op) => [op.operation.name, op] as const))('%s refuses a NUL, a lone surrogate and 1 MB in each field', async (_name, op) => {
    for (const path of fieldPaths(op.operation.input)) {
      for (const [what, bad] of BAD) {
        const err = await op(t.db, admin, inputWith(path, bad)).then(() => null, (e: unknown) => e);
        expect(err, `${path.join('.')} with ${what}`).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).fields, `${path.join('.')} with ${what}`).toEqual([path.join('.')]);
      }
    }
  });

  it('the public reads (getAvailableSlots, searchKnowledge, listServices) refuse them too', async () => {
    const reads: Array<[z.ZodType, (input: unknown) => Promise<unknown>]> = [
      [getAvailableSlotsInput, (i) => getAvailableSlots(t.db, i as never)],
      [searchKnowledgeInput, (i) => searchKnowledge(t.db, i as never)],
      [listServicesInput, (i) => listServices(t.db, i as never)],
    ];
    for (const [schema, call] of reads) {
      for (const path of fieldPaths(schema)) {
        for (const [, bad] of BAD) {
          const err = await call(inputWith(path, bad)).then(() => null, (e: unknown) => e);
          expect((err as ValidationError).fields).toEqual([path.join('.')]);
        }
      }
    }
  });

  it('wrote nothing', async () => {
    expect(await rowCount()).toBe(before);
  });
});

describe('JSON inputs', () => {
  it('refuse a bad string or key at any depth, and nesting past the limit without overflowing the stack', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    const err = await access.completePayment(t.db, admin, { paymentId: '00000000-0000-4000-8000-000000000001', gatewayResponse: deep as never }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((err as ValidationError).issues.join()).toMatch(`nested deeper than ${INPUT_LIMITS.maxDepth} levels`);
    expect(inputLimitIssues({ details: { ok: ['fine', { 'bad\u0000key': 1 }] } })).toEqual([{ path: 'details.ok.1.(key)', message: 'a key must not contain a NUL character' }]);
    expect(inputLimitIssues({ details: { note: 'x\uDC00' } })).toEqual([{ path: 'details.note', message: 'must not contain a lone surrogate (invalid UTF-16)' }]);
  });
});

describe('ids', () => {
  it('accept what PostgreSQL’s uuid accepts, in its canonical form', async () => {
    const written = ['00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000C1', '{00000000-0000-0000-0000-0000000000c1}', '000000000000000000000000000000c1', '0000-0000-0000-0000-0000-0000-0000-00c1'];
    for (const w of written) {
      const err = await access.getStudent(t.db, admin, { studentId: w }).catch((e: unknown) => e);
      // past validation: the actor is unknown (FORBIDDEN), never VALIDATION_ERROR
      expect(err, w).toMatchObject({ code: 'FORBIDDEN' });
      const [{ canonical }] = await queryRows<{ canonical: string }>(t.db, sql`select ${w}::uuid::text as canonical`);
      expect(canonical).toBe('00000000-0000-0000-0000-0000000000c1');
    }
    for (const bad of ['00000000-0000-0000-0000-0000000000c', '{00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000g1', '0-0']) {
      expect(await access.getStudent(t.db, admin, { studentId: bad }).catch((e: unknown) => e), bad).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['studentId'] });
    }
  });
});
