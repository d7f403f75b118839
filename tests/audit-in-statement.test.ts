// changeWithAudit (src/access/core/audit.ts, issue 20): a change and its audit entry in one statement.
// On both engines, as the application's role: the entry is written with the resolved actor, its
// details and personal details as JSON, through the chain (verify passes); a change that matches no
// row writes no entry; a change that fails writes neither. (How many statements an operation sends is
// the bench's to count: bench/roundtrips.ts.)
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { changeWithAudit } from '../src/access/core/audit.js';
import { defineOperation } from '../src/access/core/operation.js';
import { auditLog, contacts } from '../src/db/schema/index.js';
import { verifyChains } from '../src/integrity/verify.js';
import { z } from 'zod';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, createAdmin, failureOf } from './support/fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

/** An operation of this test only: renames a contact, audited in the same statement. */
const rename = defineOperation({
  name: 'updateContact', // a name the rights matrix knows (admins allowed); the run is this test's
  kind: 'write',
  input: z.object({ contactId: z.string(), firstName: z.string(), phone: z.string().optional() }),
  async run(ctx, { contactId, firstName, phone }) {
    ctx.school();
    return changeWithAudit(
      ctx,
      ctx.tx.update(contacts).set({ firstName, ...(phone ? { phone } : {}) }).where(eq(contacts.id, contactId)).returning({ id: contacts.id, firstName: contacts.firstName, updatedAt: contacts.updatedAt }),
      { eventType: 'CONTACT_UPDATED', subjectType: 'contact', subjectId: contactId, details: { fields: ['firstName'] }, personalDetails: { said: 'call me Al' } },
    );
  },
});

it('writes the change and its entry in one statement, chained, with the resolved actor', async () => {
  const admin = await createAdmin(t.db);
  const [contact] = await t.db.insert(contacts).values({ firstName: 'Alan' }).returning();
  const rows = await rename(t.db, actorOf.admin(admin), { contactId: contact.id, firstName: 'Al' });
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ id: contact.id, firstName: 'Al' });
  expect(rows[0].updatedAt).toBeInstanceOf(Date);
  const entries = await t.db.select().from(auditLog).where(sql`${auditLog.subjectId} = ${contact.id}`);
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({
    eventType: 'CONTACT_UPDATED', severity: 'info', actorId: admin.userId, actorRole: 'admin',
    details: { fields: ['firstName'] }, personalDetails: { said: 'call me Al' }, canonicalVersion: 2,
  });
  expect(entries[0].personalDigest).toMatch(/^[0-9a-f]{64}$/);
  expect((await verifyChains(t.db, { tables: ['audit_log'] })).breaks).toEqual([]);
});

it('writes no entry when the change matches no row, and neither when the change fails', async () => {
  const admin = await createAdmin(t.db);
  const before = await t.db.$count(auditLog);
  const missing = '00000000-0000-4000-8000-000000000000';
  expect(await rename(t.db, actorOf.admin(admin), { contactId: missing, firstName: 'Nobody' })).toEqual([]);
  expect(await t.db.$count(auditLog)).toBe(before);
  const [contact] = await t.db.insert(contacts).values({ firstName: 'Bea' }).returning();
  // contacts_phone_e164_check refuses the change: the statement fails as a whole
  const failed = await failureOf(() => rename(t.db, actorOf.admin(admin), { contactId: contact.id, firstName: 'Beatrice', phone: 'not a phone' }));
  expect(failed).toMatchObject({ code: 'CHECK_VIOLATION' });
  expect(await t.db.$count(auditLog, sql`${auditLog.subjectId} = ${contact.id}`)).toBe(0);
  expect((await t.db.select({ firstName: contacts.firstName }).from(contacts).where(eq(contacts.id, contact.id)))[0].firstName).toBe('Bea');
});

it('writes several entries in their order, and takes details the change decides from its row', async () => {
  const admin = await createAdmin(t.db);
  const [contact] = await t.db.insert(contacts).values({ firstName: 'Cai' }).returning();
  const twice = defineOperation({
    name: 'updateContact',
    kind: 'write',
    input: z.object({ contactId: z.string() }),
    async run(ctx, { contactId }) {
      ctx.school();
      return changeWithAudit(
        ctx,
        ctx.tx.update(contacts).set({ firstName: 'Kai' }).where(eq(contacts.id, contactId)).returning({ id: contacts.id, firstName: contacts.firstName }),
        ['FIRST', 'SECOND', 'THIRD'].map((step) => ({ eventType: `CONTACT_${step}`, subjectType: 'contact', subjectId: contactId, details: { step, firstName: 'overridden' } })),
        [],
        { firstName: 'first_name' },
      );
    },
  });
  expect(await twice(t.db, actorOf.admin(admin), { contactId: contact.id })).toEqual([{ id: contact.id, firstName: 'Kai' }]);
  const entries = await t.db.select().from(auditLog).where(sql`${auditLog.subjectId} = ${contact.id}`).orderBy(auditLog.chainPosition);
  expect(entries.map((e) => e.eventType)).toEqual(['CONTACT_FIRST', 'CONTACT_SECOND', 'CONTACT_THIRD']);
  expect(entries.map((e) => e.details)).toEqual(['FIRST', 'SECOND', 'THIRD'].map((step) => ({ step, firstName: 'Kai' })));
  expect((await verifyChains(t.db, { tables: ['audit_log'] })).breaks).toEqual([]);
});
