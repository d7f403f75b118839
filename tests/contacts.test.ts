// Contacts (issue 17, SPEC-05): one person is one contact (E.164 phones, emails compared
// case-insensitively, the database's unique indexes deciding, also under concurrency), the lifecycle
// state machine and the first touch held by the database, soft deletion, and who sees which contact.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createContact, deleteContact, findOrCreateContact, LIFECYCLE_TRANSITIONS, listContacts, normalizePhone, recordInteraction, setLifecycleStage,
  systemActor, updateContact,
} from '../src/access/index.js';
import { LIFECYCLE_STAGES } from '../src/db/schema/enums.js';
import { auditLog, contacts } from '../src/db/schema/index.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { actorOf, createAdmin, createInstructor, createSchoolBasics, failureOf } from './support/fixtures.js';

let t: TestDb;
let admin: ReturnType<typeof actorOf.admin>;
beforeAll(async () => {
  t = await openTestDb({ role: 'app', poolSize: 24 });
  admin = actorOf.admin(await createAdmin(t.db));
});
afterAll(() => t.dispose());

let n = 0;
/** A fresh valid Australian mobile number, as +614XXXXXXXX and as people write it (04XX XXX XXX). */
function mobile() {
  const digits = String(20_000_000 + n++).padStart(8, '0');
  return { e164: `+614${digits}`, local: `04${digits.slice(0, 2)} ${digits.slice(2, 5)} ${digits.slice(5)}`, spaced: `+61 4${digits.slice(0, 2)} ${digits.slice(2, 5)} ${digits.slice(5)}` };
}
const agent = systemActor('agent:sms');

describe('normalizePhone', () => {
  it.each([
    ['0412 345 678', '+61412345678'],
    ['+61 412 345 678', '+61412345678'],
    ['(02) 6123 4567', '+61261234567'],
    ['+64 21 123 4567', '+64211234567'],
  ])('%s is %s', (raw, e164) => expect(normalizePhone(raw)).toBe(e164));

  it.each(['12345', '0412 345', 'not a number', '+61 000 000 000'])('refuses %s', (raw) => expect(normalizePhone(raw)).toBeNull());
});

describe(findOrCreateContact.name, () => {
  it('finds one contact for 0412 345 678 and +61 412 345 678, and the same email in any case', async () => {
    const m = mobile();
    const first = await findOrCreateContact(t.db, admin, { firstName: 'Jo', phone: m.local, email: `Jo.${n}@Example.com`, source: 'website' });
    expect(first).toMatchObject({ created: true, matchedBy: null, contact: { phone: m.e164, source: 'website' } });
    const again = await findOrCreateContact(t.db, admin, { phone: m.spaced, source: 'sms' });
    expect(again).toMatchObject({ contactId: first.contactId, created: false, matchedBy: 'phone', contact: { source: 'website' } });
    const byEmail = await findOrCreateContact(t.db, admin, { email: `jo.${n}@EXAMPLE.COM`, source: 'chat' });
    expect(byEmail).toMatchObject({ contactId: first.contactId, created: false, matchedBy: 'email' });
    // One entry, by the call that created it (written in the insert's own statement); finding writes none.
    const entries = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, first.contactId));
    expect(entries).toMatchObject([{ eventType: 'CONTACT_CREATED', details: { source: 'website', via: 'findOrCreateContact' } }]);
  });

  it('prefers the phone’s contact when the phone and the email belong to two contacts, and changes neither', async () => {
    const a = mobile();
    const byPhone = await createContact(t.db, admin, { firstName: 'Phone', phone: a.e164 });
    const byEmail = await createContact(t.db, admin, { firstName: 'Email', email: `split.${n}@example.com` });
    const found = await findOrCreateContact(t.db, admin, { phone: a.local, email: `split.${n}@example.com`, source: 'sms' });
    expect(found).toMatchObject({ contactId: byPhone.id, matchedBy: 'phone', created: false });
    const [emailRow] = await t.db.select().from(contacts).where(eq(contacts.id, byEmail.id));
    expect(emailRow.phone).toBeNull();
  });

  it('refuses an invalid phone, and a call with neither phone nor email (VALIDATION_ERROR), writing nothing', async () => {
    const before = await t.db.$count(contacts);
    expect(await failureOf(() => findOrCreateContact(t.db, admin, { phone: '12345', source: 'sms' }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['phone'] });
    expect(await failureOf(() => findOrCreateContact(t.db, admin, { firstName: 'Nobody', source: 'sms' }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['phone'] });
    expect(await t.db.$count(contacts)).toBe(before);
  });

  it('lets an AI agent find or create by the phone it talks to, and tell it the id and first name only', async () => {
    const m = mobile();
    const made = await findOrCreateContact(t.db, agent, { firstName: 'Sam', phone: m.local, source: 'sms' });
    expect(made).toMatchObject({ created: true, firstName: 'Sam', contact: null });
    expect(await findOrCreateContact(t.db, agent, { phone: m.e164, source: 'sms' })).toMatchObject({ contactId: made.contactId, created: false, contact: null });
    expect(await failureOf(() => findOrCreateContact(t.db, agent, { email: 'someone@example.com', source: 'sms' }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['phone'] });
    expect(await failureOf(() => listContacts(t.db, agent, {}))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('makes a new contact for a number whose contact was deleted (soft: the old row stays)', async () => {
    const m = mobile();
    const old = await createContact(t.db, admin, { phone: m.e164 });
    await deleteContact(t.db, admin, { contactId: old.id });
    const fresh = await findOrCreateContact(t.db, admin, { phone: m.local, source: 'website' });
    expect(fresh.created).toBe(true);
    expect(fresh.contactId).not.toBe(old.id);
    expect((await t.db.select().from(contacts).where(eq(contacts.id, old.id)))[0].deletedAt).not.toBeNull();
    expect(await failureOf(() => updateContact(t.db, admin, { contactId: old.id, firstName: 'Ghost' }))).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe(createContact.name, () => {
  it('refuses a second live contact with the same phone or email (DUPLICATE_CONTACT)', async () => {
    const m = mobile();
    await createContact(t.db, admin, { phone: m.e164, email: `dup.${n}@example.com` });
    expect(await failureOf(() => createContact(t.db, admin, { phone: m.local }))).toMatchObject({ code: 'DUPLICATE_CONTACT' });
    expect(await failureOf(() => createContact(t.db, admin, { email: `DUP.${n}@example.com` }))).toMatchObject({ code: 'DUPLICATE_CONTACT' });
  });
});

describe('the lifecycle (SPEC-05 section 1.2), held by the database', () => {
  const pairs = LIFECYCLE_STAGES.flatMap((from) => LIFECYCLE_STAGES.filter((to) => to !== from).map((to) => [from, to] as const));
  it.each(pairs)('raw SQL as the app role: %s -> %s is allowed exactly when LIFECYCLE_TRANSITIONS says so', async (from, to) => {
    const [row] = await t.db.insert(contacts).values({ phone: mobile().e164, lifecycleStage: from }).returning();
    const err = await t.db.update(contacts).set({ lifecycleStage: to }).where(eq(contacts.id, row.id)).then(() => null, (e: unknown) => e);
    if (LIFECYCLE_TRANSITIONS[from].includes(to)) expect(err).toBeNull();
    else expect(String((err as { cause?: { code?: string } }).cause?.code)).toBe('ND040');
  });

  it('through setLifecycleStage: an allowed move is audited, a refused one is INVALID_TRANSITION and changes nothing', async () => {
    const c = await createContact(t.db, admin, { phone: mobile().e164 });
    expect((await setLifecycleStage(t.db, admin, { contactId: c.id, stage: 'lead' })).lifecycleStage).toBe('lead');
    expect(await failureOf(() => setLifecycleStage(t.db, admin, { contactId: c.id, stage: 'prospect' }))).toMatchObject({ code: 'INVALID_TRANSITION' });
    expect((await t.db.select().from(contacts).where(eq(contacts.id, c.id)))[0].lifecycleStage).toBe('lead');
  });

  it('keeps the first touch: source and UTM fields can be filled in, never changed (CONTACT_FIRST_TOUCH_FROZEN)', async () => {
    const c = await createContact(t.db, admin, { phone: mobile().e164, source: 'google', utmCampaign: 'spring' });
    expect((await updateContact(t.db, admin, { contactId: c.id, utmMedium: 'cpc' })).utmMedium).toBe('cpc');
    expect(await failureOf(() => updateContact(t.db, admin, { contactId: c.id, source: 'facebook' }))).toMatchObject({ code: 'CONTACT_FIRST_TOUCH_FROZEN' });
    const raw = await t.db.update(contacts).set({ utmCampaign: 'summer' }).where(eq(contacts.id, c.id)).then(() => null, (e: unknown) => e);
    expect((raw as { cause?: { code?: string } }).cause?.code).toBe('ND041');
  });

  it('refuses a phone stored other than in E.164, whatever writes it', async () => {
    const err = await t.db.insert(contacts).values({ phone: '0412 345 678' }).then(() => null, (e: unknown) => e);
    expect((err as { cause?: { code?: string } }).cause?.code).toBe('23514');
  });
});

describe('who sees which contact', () => {
  it('an instructor sees and changes their own contacts; another instructor finds none of them; students cannot list contacts', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const other = actorOf.instructor(await createInstructor(t.db));
    const mine = await createContact(t.db, actorOf.instructor(instructor), { firstName: 'Mine', phone: mobile().e164 });
    expect(mine.instructorId).toBe(instructor.id);
    const elsewhere = (await createInstructor(t.db)).id;
    expect(await failureOf(() => createContact(t.db, actorOf.instructor(instructor), { phone: mobile().e164, instructorId: elsewhere }))).toMatchObject({ code: 'FORBIDDEN' });
    expect((await recordInteraction(t.db, actorOf.instructor(instructor), { contactId: mine.id, channel: 'phone' })).totalInteractions).toBe(2);
    expect(await failureOf(() => recordInteraction(t.db, other, { contactId: mine.id, channel: 'phone' }))).toMatchObject({ code: 'NOT_FOUND' });
    expect((await listContacts(t.db, other, {})).map((c) => c.id)).not.toContain(mine.id);
    expect((await listContacts(t.db, actorOf.instructor(instructor), { search: 'mine' })).map((c) => c.id)).toEqual([mine.id]);
    expect(await failureOf(() => listContacts(t.db, actorOf.student(student), {}))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('listContacts finds a contact by any spelling of its phone, by email in any case and by full name', async () => {
    const m = mobile();
    const c = await createContact(t.db, admin, { firstName: 'Alexandra', lastName: `Searchable${n}`, phone: m.e164, email: `alex.${n}@example.com` });
    for (const search of [m.local, m.spaced, `ALEX.${n}@EXAMPLE.COM`, `alexandra searchable${n}`]) {
      expect((await listContacts(t.db, admin, { search })).map((x) => x.id), search).toContain(c.id);
    }
  });
});

describe.runIf(onServer)('under concurrency (PostgreSQL server)', () => {
  it('16 concurrent findOrCreateContact calls for one person in mixed phone formats make one contact', async () => {
    const m = mobile();
    const formats = [m.e164, m.local, m.spaced, m.local.replace(/ /g, '')];
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => findOrCreateContact(t.db, i % 2 ? agent : admin, { firstName: 'Race', phone: formats[i % formats.length], source: 'sms' })));
    expect(new Set(results.map((r) => r.contactId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const [{ count }] = (await t.db.execute(sql`select count(*)::int as count from contacts where phone = ${m.e164}`) as unknown as { rows: Array<{ count: number }> }).rows;
    expect(count).toBe(1);
  });

  it('the app role cannot hard-delete a contact', async () => {
    const c = await createContact(t.db, admin, { phone: mobile().e164 });
    const err = await t.db.delete(contacts).where(eq(contacts.id, c.id)).then(() => null, (e: unknown) => e);
    expect((err as { cause?: { code?: string } }).cause?.code).toBe('42501');
  });
});
