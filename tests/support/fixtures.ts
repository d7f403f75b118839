// Builders for valid rows, so each test states only what it is about. Every id is fresh, so tests in
// one file never see each other's people.
import { createHash, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DatabaseOrTransaction } from '../../src/db/engines/handle.js';
import {
  bookings,
  instructors,
  lessons,
  profiles,
  services,
  students,
} from '../../src/db/schema/index.js';
import type { NewBooking, NewInstructor, NewLesson, NewStudent } from '../../src/db/types.js';

const clerkId = () => `user_${randomUUID().replace(/-/g, '')}`;

export async function createInstructor(db: DatabaseOrTransaction, overrides: Partial<NewInstructor> = {}) {
  const userId = clerkId();
  const [profile] = await db
    .insert(profiles)
    .values({ userId, firstName: 'Rob', lastName: 'Harrison', email: `${userId}@example.com`, role: 'instructor' })
    .returning();
  const [instructor] = await db
    .insert(instructors)
    .values({ userId, profileId: profile.id, adiNumber: String(600 + Math.floor(Math.random() * 9000)), adiExpiry: '2028-06-30', ...overrides })
    .returning();
  return instructor;
}

export async function createStudent(db: DatabaseOrTransaction, instructorId: string, overrides: Partial<NewStudent> = {}) {
  const userId = clerkId();
  const [profile] = await db
    .insert(profiles)
    .values({ userId, firstName: 'Sam', lastName: 'Learner', email: `${userId}@example.com`, role: 'student' })
    .returning();
  const [student] = await db.insert(students).values({ userId, profileId: profile.id, instructorId, ...overrides }).returning();
  return student;
}

/** The id of a seeded service (learner-60 unless told otherwise). */
export async function serviceId(db: DatabaseOrTransaction, slug = 'learner-60'): Promise<string> {
  const [row] = await db.select({ id: services.id }).from(services).where(eq(services.slug, slug));
  return row.id;
}

/** A booking's columns for a Canberra-time slot, e.g. slot('2026-12-01T10:00:00+11:00', 60). */
export function slot(startIso: string, minutes: number) {
  const start = new Date(startIso);
  const end = new Date(start.getTime() + minutes * 60_000);
  return { scheduledDate: startIso.slice(0, 10), startTime: start, endTime: end, durationMinutes: minutes };
}

export function bookingValues(instructorId: string, svcId: string, startIso: string, minutes = 60, overrides: Partial<NewBooking> = {}): NewBooking {
  return { instructorId, serviceId: svcId, ...slot(startIso, minutes), ...overrides };
}

export async function createBooking(db: DatabaseOrTransaction, values: NewBooking) {
  const [row] = await db.insert(bookings).values(values).returning();
  return row;
}

export function lessonValues(instructorId: string, studentId: string, lessonNumber: number, overrides: Partial<NewLesson> = {}): NewLesson {
  const start = new Date('2026-12-01T10:00:00+11:00');
  const end = new Date(start.getTime() + 60 * 60_000);
  return {
    instructorId,
    studentId,
    lessonNumber,
    lessonDate: '2026-12-01',
    startTime: start,
    endTime: end,
    totalMinutes: 60,
    roundedMinutes: 60,
    ...overrides,
  };
}

/** A lesson that has already happened (2 June 2026, 10:00 in Canberra, AEST), of `minutes` minutes:
 *  the final drive counts only a lesson that has ended. */
export function endedLessonValues(instructorId: string, studentId: string, lessonNumber: number, minutes = 60): NewLesson {
  const start = new Date('2026-06-02T10:00:00+10:00');
  return lessonValues(instructorId, studentId, lessonNumber, {
    lessonDate: '2026-06-02', startTime: start, endTime: new Date(start.getTime() + minutes * 60_000), totalMinutes: minutes, roundedMinutes: minutes,
  });
}

export async function createLesson(db: DatabaseOrTransaction, values: NewLesson) {
  const [row] = await db.insert(lessons).values(values).returning();
  return row;
}

/** A person-less fixture set most tests start from: one instructor, one student, one service. */
export async function createSchoolBasics(db: DatabaseOrTransaction, instructorOverrides: Partial<NewInstructor> = {}) {
  const instructor = await createInstructor(db, instructorOverrides);
  const student = await createStudent(db, instructor.id);
  const svc = await serviceId(db);
  return { instructor, student, serviceId: svc };
}

/** Runs a statement that must fail, and returns the error (a test fails if it succeeds). */
export async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected the statement to fail, but it succeeded');
}

// ─── Valid rows for every table, and lesson signing (added for checks.test.ts and columns.test.ts) ───
// (Imports here rather than at the top, so the lines above stay untouched; ES imports are hoisted.)
import { auditLog, competencyTasks, conversations, packages, parents, ragDocuments, signatures } from '../../src/db/schema/index.js';
import type {
  NewAuditLogEntry, NewAvailabilityOverride, NewAvailabilityRule, NewCallLog, NewCompetencyTask, NewContact,
  NewConversation, NewMessage, NewNotification, NewNotificationPreference, NewPackage, NewParent, NewParentInvitation, NewParentStudentLink, NewPayment,
  NewPrivateNote, NewProfile, NewRagChunk, NewRagDocument, NewSelfAssessment, NewService, NewSignature,
  NewStudentCompetency, NewStudentPackage, NewVoucher, NewWaitlist,
} from '../../src/db/types.js';

const uniqueSuffix = () => randomUUID().replace(/-/g, '').slice(0, 12);

async function insertProfile(db: DatabaseOrTransaction, role: 'instructor' | 'student' | 'parent' | 'admin') {
  const userId = clerkId();
  const [profile] = await db
    .insert(profiles)
    .values({ userId, firstName: 'Pat', lastName: 'Fixture', email: `${userId}@example.com`, role })
    .returning();
  return profile;
}

/**
 * Valid insert values for each table, keyed by its SQL name. A builder inserts the parents its row
 * needs (a fresh instructor, student, conversation...) but not the row itself, so a test can change
 * one column and insert. Unique columns get fresh values on every call.
 */
export const validRows = {
  profiles: async (_db: DatabaseOrTransaction): Promise<NewProfile> => {
    const userId = clerkId();
    return { userId, firstName: 'Pat', lastName: 'Fixture', email: `${userId}@example.com`, role: 'student' };
  },
  instructors: async (db: DatabaseOrTransaction): Promise<NewInstructor> => {
    const profile = await insertProfile(db, 'instructor');
    return { userId: profile.userId, profileId: profile.id, adiNumber: '608', adiExpiry: '2028-06-30' };
  },
  students: async (db: DatabaseOrTransaction): Promise<NewStudent> => {
    const instructor = await createInstructor(db);
    const profile = await insertProfile(db, 'student');
    return { userId: profile.userId, profileId: profile.id, instructorId: instructor.id };
  },
  parents: async (db: DatabaseOrTransaction): Promise<NewParent> => {
    const profile = await insertProfile(db, 'parent');
    return { userId: profile.userId, profileId: profile.id };
  },
  parent_student_links: async (db: DatabaseOrTransaction): Promise<NewParentStudentLink> => {
    const [parent] = await db.insert(parents).values(await validRows.parents(db)).returning();
    const { student } = await createSchoolBasics(db);
    return { parentId: parent.id, studentId: student.id };
  },
  parent_invitations: async (db: DatabaseOrTransaction): Promise<NewParentInvitation> => {
    const { student } = await createSchoolBasics(db);
    const tokenHash = createHash('sha256').update(uniqueSuffix()).digest('hex');
    return { studentId: student.id, invitedBy: student.userId, email: 'parent@example.com', tokenHash, expiresAt: new Date(Date.now() + 86_400_000) };
  },
  // a fresh E.164 number each time: one live contact per phone (issue 17)
  contacts: async (_db: DatabaseOrTransaction): Promise<NewContact> => ({ firstName: 'Casey', phone: `+6140${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}` }),
  services: async (_db: DatabaseOrTransaction): Promise<NewService> => ({
    name: 'Fixture Lesson', slug: `fixture-${uniqueSuffix()}`, durationMinutes: 60, priceCents: 10500, category: 'lesson',
  }),
  availability_rules: async (db: DatabaseOrTransaction): Promise<NewAvailabilityRule> => {
    const instructor = await createInstructor(db);
    return { instructorId: instructor.id, dayOfWeek: 1, startTime: '09:00', endTime: '17:00', effectiveFrom: '2026-01-01' };
  },
  availability_overrides: async (db: DatabaseOrTransaction): Promise<NewAvailabilityOverride> => {
    const instructor = await createInstructor(db);
    return { instructorId: instructor.id, date: '2026-12-24', startTime: '09:00', endTime: '12:00', overrideType: 'blocked' };
  },
  bookings: async (db: DatabaseOrTransaction): Promise<NewBooking> => {
    const { instructor, student, serviceId: svc } = await createSchoolBasics(db);
    return bookingValues(instructor.id, svc, '2026-12-01T10:00:00+11:00', 60, { studentId: student.id });
  },
  lessons: async (db: DatabaseOrTransaction): Promise<NewLesson> => {
    const { instructor, student } = await createSchoolBasics(db);
    return lessonValues(instructor.id, student.id, 1);
  },
  competency_tasks: async (_db: DatabaseOrTransaction): Promise<NewCompetencyTask> => ({
    // Far above the 23 seeded tasks; task_number is unique.
    taskNumber: 1_000 + Math.floor(Math.random() * 1_000_000_000), name: 'Fixture Task', sortOrder: 99,
  }),
  student_competencies: async (db: DatabaseOrTransaction): Promise<NewStudentCompetency> => {
    const { instructor, student } = await createSchoolBasics(db);
    const [task] = await db.select({ id: competencyTasks.id }).from(competencyTasks).where(eq(competencyTasks.taskNumber, 1));
    return { studentId: student.id, taskId: task.id, instructorId: instructor.id, status: 'taught', transmission: 'auto' };
  },
  signatures: async (_db: DatabaseOrTransaction): Promise<NewSignature> => ({
    signerId: clerkId(), signerRole: 'instructor', documentType: 'lesson', documentId: randomUUID(),
    signatureUrl: `signatures/${uniqueSuffix()}.png`,
  }),
  audit_log: async (_db: DatabaseOrTransaction): Promise<NewAuditLogEntry> => ({ eventType: 'FIXTURE_EVENT', actorId: clerkId() }),
  payments: async (db: DatabaseOrTransaction): Promise<NewPayment> => {
    const { student } = await createSchoolBasics(db);
    return { studentId: student.id, amountCents: 10500, paymentMethod: 'card' };
  },
  packages: async (_db: DatabaseOrTransaction): Promise<NewPackage> => ({ name: 'Fixture Pack', totalCredits: 10, priceCents: 95000 }),
  student_packages: async (db: DatabaseOrTransaction): Promise<NewStudentPackage> => {
    const { student } = await createSchoolBasics(db);
    const [pack] = await db.insert(packages).values(await validRows.packages(db)).returning();
    return { studentId: student.id, packageId: pack.id, creditsTotal: 10 };
  },
  vouchers: async (_db: DatabaseOrTransaction): Promise<NewVoucher> => ({
    code: `FIX-${uniqueSuffix().toUpperCase()}`, voucherType: 'percentage', discountPercent: 10, // codes are stored upper-case
  }),
  conversations: async (_db: DatabaseOrTransaction): Promise<NewConversation> => ({ channel: 'sms', channelIdentifier: '+61400000000' }),
  messages: async (db: DatabaseOrTransaction): Promise<NewMessage> => {
    const [conversation] = await db.insert(conversations).values(await validRows.conversations(db)).returning();
    return { conversationId: conversation.id, direction: 'inbound', senderType: 'user', content: 'Hi, can I book a lesson?' };
  },
  call_logs: async (_db: DatabaseOrTransaction): Promise<NewCallLog> => ({
    callerPhone: '+61400000000', startedAt: new Date('2026-12-01T10:00:00+11:00'),
  }),
  private_notes: async (db: DatabaseOrTransaction): Promise<NewPrivateNote> => {
    const { instructor, student } = await createSchoolBasics(db);
    return { instructorId: instructor.id, studentId: student.id, note: 'Nervous at roundabouts.' };
  },
  self_assessments: async (db: DatabaseOrTransaction): Promise<NewSelfAssessment> => {
    const { student } = await createSchoolBasics(db);
    return { studentId: student.id, assessmentType: 'general', responses: [] };
  },
  notifications: async (_db: DatabaseOrTransaction): Promise<NewNotification> => ({
    channel: 'email', notificationType: 'booking_confirmation', body: 'Your lesson is booked.', recipientEmail: 'sam@example.com',
  }),
  notification_preferences: async (_db: DatabaseOrTransaction): Promise<NewNotificationPreference> => ({
    userId: clerkId(), notificationType: 'booking_reminder_24h', channel: 'sms', enabled: false,
  }),
  rag_documents: async (_db: DatabaseOrTransaction): Promise<NewRagDocument> => ({ title: 'Fixture FAQ', sourceType: 'faq' }),
  rag_chunks: async (db: DatabaseOrTransaction): Promise<NewRagChunk> => {
    const [document] = await db.insert(ragDocuments).values(await validRows.rag_documents(db)).returning();
    return { documentId: document.id, content: 'Lessons run for 60 minutes.', chunkIndex: 0 };
  },
  waitlist: async (db: DatabaseOrTransaction): Promise<NewWaitlist> => {
    const { instructor, student, serviceId: svc } = await createSchoolBasics(db);
    return { studentId: student.id, instructorId: instructor.id, serviceId: svc, preferredDay: 2, preferredTimeStart: '09:00', preferredTimeEnd: '12:00' };
  },
};

/**
 * Takes a draft lesson through both signing steps (its instructor, then its student), so it ends
 * 'completed' and may be corrected. Returns the lesson as stored.
 */
export async function signOffLesson(db: DatabaseOrTransaction, lesson: { id: string; instructorId: string; studentId: string }) {
  const [people] = await db
    .select({ instructorUserId: instructors.userId, studentUserId: students.userId })
    .from(lessons)
    .innerJoin(instructors, eq(instructors.id, lessons.instructorId))
    .innerJoin(students, eq(students.id, lessons.studentId))
    .where(eq(lessons.id, lesson.id));
  const sign = async (signerRole: 'instructor' | 'student') => {
    const [signature] = await db
      .insert(signatures)
      .values({
        signerId: signerRole === 'instructor' ? people.instructorUserId : people.studentUserId,
        signerRole, documentType: 'lesson', documentId: lesson.id, signatureUrl: `signatures/${uniqueSuffix()}.png`,
      })
      .returning();
    return signature.id;
  };
  const instructorSignatureId = await sign('instructor');
  await db.update(lessons).set({ status: 'pending_student_signature', instructorSignatureId }).where(eq(lessons.id, lesson.id));
  const studentSignatureId = await sign('student');
  const [signed] = await db
    .update(lessons)
    .set({ status: 'completed', studentSignatureId })
    .where(eq(lessons.id, lesson.id))
    .returning();
  return signed;
}

// ─── Hash chains: rows as verify reads them, and tampering as a superuser (added for tamper.test.ts,
// canonical.test.ts and chain-property.test.ts) ───
import { type SQL as ChainSQL, sql as chainSql } from 'drizzle-orm';
import type { Database as ChainDatabase, Transaction as ChainTransaction } from '../../src/db/engines/handle.js';
import { queryRows as chainQueryRows } from '../../src/db/sql.js';
import { CHAINS as CANONICAL_CHAINS, type ChainTable as CanonicalChainTable } from '../../src/integrity/canonical.js';
import { chainSelectList } from '../../src/integrity/verify.js';

/** Rows of a chain table fetched exactly as verify fetches them, in chain order; `where` filters. */
export async function chainRowsAsVerified(
  db: DatabaseOrTransaction,
  table: CanonicalChainTable,
  where: ChainSQL = chainSql`true`,
): Promise<Array<Record<string, string | null>>> {
  const key = CANONICAL_CHAINS[table].chainKey;
  const order = [key, 'chain_position', 'id'].filter(Boolean).map((c) => `${table}."${c}"`).join(', ');
  return chainQueryRows(db, chainSql`${chainSql.raw(`select ${chainSelectList(CANONICAL_CHAINS[table])} from ${table}`)} where ${where} ${chainSql.raw(`order by ${order}`)}`);
}

/** Runs `tamper` in one transaction as a superuser with ordinary triggers (append-only, hash chain,
 *  foreign keys) disabled: `set local session_replication_role = replica`. */
export async function tamperWithTriggersDisabled<T>(db: ChainDatabase, tamper: (tx: ChainTransaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(chainSql`set local session_replication_role = replica`);
    return tamper(tx);
  });
}

// ─── Chain mechanics without the people behind the rows (added in issue 6) ───
/** Guards that tie signatures and competency rows to real people, documents and rules. They are not
 *  the hash chain: the append-only and chain triggers stay on. */
export const DOMAIN_GUARDS: Record<'signatures' | 'student_competencies', string[]> = {
  signatures: ['signature_binding_guard', 'signatures_document_check'],
  student_competencies: ['competency_guard', 'competency_overrule_check', 'competency_signature_guard'],
};

/**
 * For test files about the hash chains themselves (canonical form, tampering, concurrency, checks),
 * which write thousands of arbitrary signature and competency rows: switches the DOMAIN_GUARDS off in
 * this file's own database, as its owner. What the guards enforce is tested in tests/signatures.test.ts
 * (and the compliance tests) with them on.
 */
export async function relaxDomainGuards(db: DatabaseOrTransaction): Promise<void> {
  for (const [table, triggers] of Object.entries(DOMAIN_GUARDS)) {
    for (const trigger of triggers) await db.execute(chainSql.raw(`alter table ${table} disable trigger ${trigger}`));
  }
}

/** Appends a raw audit row (the chain trigger fills the chain columns), for tests about the chain
 *  itself; operations record their audit entries through the access layer. */
export async function insertAuditRow(db: DatabaseOrTransaction, values: NewAuditLogEntry) {
  const [row] = await db.insert(auditLog).values(values).returning();
  return row;
}

// ─── People as actors (added for the access layer, issue 7) ───
import { parentStudentLinks } from '../../src/db/schema/index.js';
import type { UserActor } from '../../src/access/core/actor.js';

/** The actor of a person row, as the application's session would name it. */
export const actorOf = {
  admin: (p: { userId: string }): UserActor => ({ userId: p.userId, role: 'admin' }),
  instructor: (p: { userId: string }): UserActor => ({ userId: p.userId, role: 'instructor' }),
  student: (p: { userId: string }): UserActor => ({ userId: p.userId, role: 'student' }),
  parent: (p: { userId: string }): UserActor => ({ userId: p.userId, role: 'parent' }),
};

export async function createAdmin(db: DatabaseOrTransaction, overrides: Partial<NewProfile> = {}) {
  const userId = clerkId();
  const [profile] = await db
    .insert(profiles)
    .values({ userId, firstName: 'Ada', lastName: 'Admin', email: `${userId}@example.com`, role: 'admin', ...overrides })
    .returning();
  return profile;
}

/** A parent linked to a student; the link's flags and status default to the schema's (all true, active). */
export async function createParent(db: DatabaseOrTransaction, studentId: string, link: Partial<NewParentStudentLink> = {}) {
  const profile = await insertProfile(db, 'parent');
  const [parent] = await db.insert(parents).values({ userId: profile.userId, profileId: profile.id }).returning();
  const [row] = await db.insert(parentStudentLinks).values({ parentId: parent.id, studentId, ...link }).returning();
  return { parent, link: row };
}
