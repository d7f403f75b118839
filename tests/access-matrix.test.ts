// The access matrix (src/access/core/rights.ts), cell by cell: every operation of the access layer,
// called as every kind of actor (admin, one system actor of each lane, the student's own instructor, another
// instructor, the student, another student, their parent with the operation's flag on, with another
// flag off, with the flag off, with the master switch off, revoked and pending, and a suspended user)
// is allowed, NOT_FOUND or FORBIDDEN exactly as the matrix says. The expectations are derived from
// the matrix's cells by the rules written below, independently of the code that enforces them; a few
// cells that must never change are also pinned by hand. Runs as a member of nexdrive_app.
import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as access from '../src/access/index.js';
import { RIGHTS, systemActor, type Actor, type MatrixColumn, type OperationName, type ParentFlag, type Right } from '../src/access/index.js';
import { ForbiddenError, NotFoundError } from '../src/db/errors.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { auditLog, lessonBridgeForms, lessons, notifications, selfAssessments, signatures } from '../src/db/schema/index.js';
import { availabilityOverrides, bookings, contacts, parentInvitations, ragDocuments, services, waitlist } from '../src/db/schema/index.js';
import { canberraDate } from '../src/domain/time.js';
import { addDays, canberraInstant } from '../src/domain/wall-clock.js';
import { queryRows } from '../src/db/sql.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createLesson, lessonValues } from './support/fixtures.js';
import { cancelledCreditBooking, createPackage, createVoucher, givePackage, insertPayment, unpaidBooking } from './support/money.js';
import { buildWorld, withLink, withParentVisibilityOff, type World } from './support/world.js';

let t: TestDb;
let w: World;
let auditStart: number;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
  w = await buildWorld(t.db);
  [{ n: auditStart }] = await queryRows<{ n: number }>(t.db, sql`select coalesce(max(chain_position), 0)::int as n from audit_log`);
});
afterAll(() => t.dispose());

// ─── One call of each operation on the world's student, making whatever the call uses up ───

const draftLesson = async () => (await createLesson(t.db, lessonValues(w.instructor.id, w.student.id, 1))).id;
async function pendingLesson() {
  const id = await draftLesson();
  const [sig] = await t.db.insert(signatures).values({ signerId: w.instructor.userId, signerRole: 'instructor', documentType: 'lesson', documentId: id, signatureUrl: 'r2://i.png' }).returning();
  await t.db.update(lessons).set({ status: 'pending_student_signature', instructorSignatureId: sig.id }).where(eq(lessons.id, id));
  return id;
}
const evidence = { signatureUrl: 'r2://signatures/matrix.png' };
/** Each allowed competency call teaches the next task (taught after taught is not a transition). */
let nextTask = 0;
const taskToTeach = () => (nextTask++ % 23) + 1;
/** A refusal by a business rule, after the rights check let the actor through, counts as allowed here. */
const allowedThrough = (codes: string[]) => (err: unknown) => {
  if (codes.includes((err as { code?: string }).code ?? '')) return 'past the rights check';
  throw err;
};
const people = () => ({ instructorId: w.instructor.id, studentId: w.student.id, serviceId: w.serviceId });
const uniqueDigits = () => String(Math.floor(Math.random() * 1e9));

const CALLS: Record<OperationName, (actor: Actor) => Promise<unknown>> = {
  getStudent: (a) => access.getStudent(t.db, a, { studentId: w.student.id }),
  setParentPermissions: (a) => access.setParentPermissions(t.db, a, { studentId: w.student.id, parentId: w.parent.id, permissions: { canViewProgress: true } }),
  syncClerkUser: (a) =>
    access.syncClerkUser(t.db, asProvider(a, 'clerk'), { eventId: `evt_${uniqueDigits()}`, type: 'user.created', occurredAt: new Date(), user: { id: `user_matrix${uniqueDigits()}`, first_name: 'Clerk' } }),
  convertContact: async (a) => access.convertContact(t.db, a, { contactId: await qualifiedContactOf(a) }),
  inviteParent: (a) => access.inviteParent(t.db, a, { studentId: w.student.id, email: `invited.${uniqueDigits()}@example.com` }),
  // every parent variant accepts an invitation to the other student (the world's own link stays as each variant sets it)
  acceptParentInvitation: async (a) => access.acceptParentInvitation(t.db, a, { token: await invitationToken(w.otherStudent.id) }),
  revokeParentLink: async (a) => access.revokeParentLink(t.db, a, { invitationId: await invitationOf(w.student.id) }),
  linkInstructor: (a) =>
    access.linkInstructor(t.db, a, {
      clerkId: `user_matrix${uniqueDigits()}`, adiNumber: `M${uniqueDigits()}`, adiExpiry: '2028-06-30', firstName: 'New', lastName: 'Instructor', email: 'new@example.com',
    }),
  createContact: (a) => access.createContact(t.db, a, { firstName: 'Casey', phone: freshPhone(), source: 'website' }),
  findOrCreateContact: (a) => access.findOrCreateContact(t.db, a, { firstName: 'Casey', phone: freshPhone(), source: 'sms' }),
  updateContact: async (a) => access.updateContact(t.db, a, { contactId: await contactOf(a), firstName: 'Casey-Lee' }),
  setLifecycleStage: async (a) => access.setLifecycleStage(t.db, a, { contactId: await contactOf(a), stage: 'lead' }),
  recordInteraction: async (a) => access.recordInteraction(t.db, a, { contactId: await contactOf(a), channel: 'phone' }),
  deleteContact: async (a) => access.deleteContact(t.db, a, { contactId: await contactOf(a) }),
  listContacts: (a) => access.listContacts(t.db, a, {}),
  listLessons: (a) => access.listLessons(t.db, a, { studentId: w.student.id }),
  listBridgeForms: (a) => access.listBridgeForms(t.db, a, { studentId: w.student.id }),
  recordLesson: (a) => access.recordLesson(t.db, a, { studentId: w.student.id, startTime: '2026-12-05T10:00:00+11:00', endTime: '2026-12-05T11:00:00+11:00' }),
  recordLessonCorrection: (a) => access.recordLessonCorrection(t.db, a, { lessonId: w.completedLesson.id, reason: 'matrix', changes: { odoStart: 10, odoEnd: 20 } }),
  signLessonAsInstructor: async (a) => access.signLessonAsInstructor(t.db, a, { lessonId: await draftLesson(), signature: evidence }),
  signLessonAsStudent: async (a) => access.signLessonAsStudent(t.db, a, { lessonId: await pendingLesson(), signature: evidence }),
  disputeLesson: async (a) => access.disputeLesson(t.db, a, { lessonId: await pendingLesson(), reason: 'matrix' }),
  listPrivateNotes: (a) => access.listPrivateNotes(t.db, a, { studentId: w.student.id }),
  addPrivateNote: (a) => access.addPrivateNote(t.db, a, { studentId: w.student.id, note: 'Watch the blind spot', noteType: 'coaching_strategy' }),
  listBookings: (a) => access.listBookings(t.db, a, { studentId: w.student.id }),
  listPayments: (a) => access.listPayments(t.db, a, { studentId: w.student.id }),
  recordCompetencyChange: (a) => access.recordCompetencyChange(t.db, a, { studentId: w.student.id, taskNumber: taskToTeach(), status: 'taught' }),
  recordCompetencyChanges: (a) => access.recordCompetencyChanges(t.db, a, { studentId: w.student.id, changes: [{ taskNumber: taskToTeach(), status: 'taught' }] }),
  getStudentProgress: (a) => access.getStudentProgress(t.db, a, { studentId: w.student.id }),
  getInstructorProgressSummary: (a) => access.getInstructorProgressSummary(t.db, a, {}),
  // The world's student is not competent in every task: an allowed caller meets CERTIFICATE_NOT_ELIGIBLE.
  issueCertificate: (a) => access.issueCertificate(t.db, a, { studentId: w.student.id, confirm: true }).catch(allowedThrough(['CERTIFICATE_NOT_ELIGIBLE'])),
  appendAuditEvent: (a) => access.appendAuditEvent(t.db, a, { eventType: 'MATRIX_CHECK', details: { about: 'the school' } }),
  startPayment: async (a) => access.startPayment(t.db, a, { studentId: w.student.id, bookingId: (await unpaidBooking(t.db, people())).id, method: 'card' }),
  // a stripe payment, reported with its gateway payment id (a webhook acts only on its own provider's payments)
  completePayment: async (a) => access.completePayment(t.db, a, { paymentId: (await insertPayment(t.db, w.student.id, { gateway: 'stripe' })).id, gatewayPaymentId: `pi_${uniqueDigits()}` }),
  failPayment: async (a) => access.failPayment(t.db, a, { paymentId: (await insertPayment(t.db, w.student.id, { gateway: 'stripe' })).id, gatewayPaymentId: `pi_${uniqueDigits()}`, reason: 'declined' }),
  recordManualPayment: async (a) => access.recordManualPayment(t.db, a, { studentId: w.student.id, bookingId: (await unpaidBooking(t.db, people())).id, method: 'cash' }),
  refundPayment: async (a) => access.refundPayment(t.db, a, { paymentId: (await insertPayment(t.db, w.student.id, { status: 'completed' })).id, amountCents: 500, reason: 'matrix' }),
  redeemCredit: async (a) => {
    await givePackage(t.db, w.student.id);
    return access.redeemCredit(t.db, a, { bookingId: (await unpaidBooking(t.db, people())).id });
  },
  returnCredit: async (a) => access.returnCredit(t.db, a, { bookingId: (await cancelledCreditBooking(t.db, people())).booking.id }),
  expirePendingPayments: (a) => access.expirePendingPayments(t.db, a, {}),
  expirePackages: (a) => access.expirePackages(t.db, a, {}),
  listAuditEvents: (a) => access.listAuditEvents(t.db, a, { limit: 5 }),
  createBooking: async (a) => access.createBooking(t.db, a, { instructorId: w.instructor.id, serviceId: w.serviceId, studentId: w.student.id, start: await openSlot(), bookedVia: 'website' }),
  // paid through stripe: a webhook confirms only a booking its own provider was paid for
  confirmBooking: async (a) => access.confirmBooking(t.db, a, { bookingId: await paidThroughStripe(await bookingIn('pending')) }),
  cancelBooking: async (a) => access.cancelBooking(t.db, a, { bookingId: await bookingIn('confirmed'), reason: 'matrix' }),
  rescheduleBooking: async (a) => access.rescheduleBooking(t.db, a, { bookingId: await bookingIn('confirmed'), start: await openSlot() }),
  startBooking: async (a) => access.startBooking(t.db, a, { bookingId: await bookingIn('confirmed', true) }),
  completeBooking: async (a) => access.completeBooking(t.db, a, { bookingId: await bookingIn('in_progress', true) }),
  markNoShow: async (a) => access.markNoShow(t.db, a, { bookingId: await bookingIn('confirmed', true) }),
  expirePendingBookings: (a) => access.expirePendingBookings(t.db, a, {}),
  indexDocument: (a) => access.indexDocument(t.db, a, { title: 'Matrix', sourceType: 'faq', chunks: [{ content: 'A chunk', embedding: oneHot(7) }] }),
  archiveDocument: async (a) => access.archiveDocument(t.db, a, { documentId: await documentToArchive() }),
  getStudentContext: (a) => access.getStudentContext(t.db, a, { studentId: w.student.id }),
  createBridgeForm: async (a) =>
    access.createBridgeForm(t.db, a, { lessonId: await pendingLesson(), positives: 'Smooth starts', practiceInstructions: 'Mirror checks', focusAreas: 'Roundabouts', nextLessonRecommendation: 'Task 6' }),
  setBridgeFormVisibility: async (a) => access.setBridgeFormVisibility(t.db, a, { lessonId: await lessonWithBridgeForm(), isVisibleToParent: false }),
  getLogbookSummary: (a) => access.getLogbookSummary(t.db, a, { studentId: w.student.id }),
  startSelfAssessment: (a) => access.startSelfAssessment(t.db, a, { studentId: w.student.id }),
  submitSelfAssessment: async (a) =>
    access.submitSelfAssessment(t.db, a, { selfAssessmentId: await selfAssessment(false), responses: Array.from({ length: 23 }, (_, i) => ({ taskNumber: i + 1, confidence: 3 })) }),
  markSelfAssessmentReviewed: async (a) => access.markSelfAssessmentReviewed(t.db, a, { selfAssessmentId: await selfAssessment(true) }),
  listSelfAssessments: (a) => access.listSelfAssessments(t.db, a, { studentId: w.student.id }),
  exportPersonData: (a) => access.exportPersonData(t.db, a, { studentId: w.student.id }),
  // a prospect of its own each call: the world's student stays as it is
  erasePerson: async (a) => access.erasePerson(t.db, a, { contactId: (await t.db.insert(contacts).values({ firstName: 'Erin', phone: freshPhone() }).returning())[0].id, confirm: true }),
  setAvailabilityRules: (a) => access.setAvailabilityRules(t.db, a, { instructorId: diaryOf(a), rules: [{ dayOfWeek: 1, startTime: '09:00', endTime: '12:00' }], effectiveFrom: '2199-01-01' }),
  addAvailabilityOverride: (a) => access.addAvailabilityOverride(t.db, a, { instructorId: diaryOf(a), date: '2199-06-01', overrideType: 'blocked' }),
  removeAvailabilityOverride: async (a) => access.removeAvailabilityOverride(t.db, a, { overrideId: await overrideOf(a) }),
  createService: (a) => access.createService(t.db, a, { name: 'Matrix lesson', slug: `matrix-${uniqueDigits()}`, durationMinutes: 60, priceCents: 9900, category: 'lesson' }),
  updateService: async (a) => access.updateService(t.db, a, { serviceId: await catalogueService(), priceCents: 11000 }),
  deactivateService: async (a) => access.deactivateService(t.db, a, { serviceId: await catalogueService() }),
  createPackage: (a) => access.createPackage(t.db, a, { name: 'Matrix 5', totalCredits: 5, priceCents: 50000 }),
  updatePackage: async (a) => access.updatePackage(t.db, a, { packageId: (await createPackage(t.db)).id, priceCents: 90000 }),
  deactivatePackage: async (a) => access.deactivatePackage(t.db, a, { packageId: (await createPackage(t.db)).id }),
  createVoucher: (a) => access.createVoucher(t.db, a, { code: `matrix-${uniqueDigits()}`, voucherType: 'percentage', discountPercent: 10 }),
  updateVoucher: async (a) => access.updateVoucher(t.db, a, { voucherId: (await createVoucher(t.db)).id, discountPercent: 20 }),
  deactivateVoucher: async (a) => access.deactivateVoucher(t.db, a, { voucherId: (await createVoucher(t.db)).id }),
  joinWaitlist: (a) => access.joinWaitlist(t.db, a, { studentId: w.student.id, preferredDay: 3 }),
  leaveWaitlist: async (a) => access.leaveWaitlist(t.db, a, { waitlistId: await liveWaitlistEntry() }),
  // messages and notifications (issue 18): to a contact of the calling instructor (the world's for anyone else)
  enqueueNotification: async (a) =>
    access.enqueueNotification(t.db, a, {
      recipient: { contactId: await contactOf(a) }, type: 'booking_reminder_24h', channel: 'sms', template: { body: 'Lesson tomorrow at {time}' },
      data: { time: '10:00' }, idempotencyKey: `matrix:${uniqueDigits()}`,
    }),
  setNotificationPreference: (a) => access.setNotificationPreference(t.db, a, { notificationType: 'booking_reminder_2h', channel: 'sms', enabled: nextPreference() }),
  claimNotifications: (a) => access.claimNotifications(t.db, a, { limit: 1, leaseSeconds: 60 }),
  markNotificationSent: async (a) => access.markNotificationSent(t.db, a, { ...(await claimedNotification()), externalId: `SM${uniqueDigits()}` }),
  markNotificationFailed: async (a) => access.markNotificationFailed(t.db, a, { ...(await claimedNotification()), reason: 'Twilio 30003' }),
  // the lane is what the matrix decides; which provider reports on which channel is tests/notifications.test.ts'
  recordDeliveryStatus: async (a) =>
    access.recordDeliveryStatus(t.db, asProvider(a, 'twilio'), { externalId: await sentNotification(), status: 'delivered', occurredAt: new Date() }),
  recordInboundMessage: (a) =>
    isLane(a, 'agent')
      ? access.recordInboundMessage(t.db, systemActor('agent:web-chat'), { channel: 'web_chat', providerMessageId: `chat-${uniqueDigits()}`, sessionId: randomUUID(), body: 'Hi' })
      : access.recordInboundMessage(t.db, asProvider(a, 'twilio'), { channel: 'sms', providerMessageId: `SM${uniqueDigits()}`, from: freshPhone(), body: 'Hi' }),
  recordCall: (a) =>
    access.recordCall(t.db, asProvider(a, 'vapi'), { voiceProvider: 'vapi', externalCallId: `call-${uniqueDigits()}`, callerPhone: freshPhone(), startedAt: new Date(), outcome: 'answered' }),
};

// ─── School set-up (issue 17): an instructor changes their own diary (the world's for anyone else),
// far in the future so the booking calls' slots stay open; fresh catalogue rows and waitlist entries ───
const diaryOf = (a: Actor) => ('userId' in a && a.userId === w.otherInstructor.userId ? w.otherInstructor.id : w.instructor.id);
let overrideDay = 0;
async function overrideOf(a: Actor): Promise<string> {
  const date = addDays('2199-07-01', overrideDay++);
  const [row] = await t.db.insert(availabilityOverrides).values({ instructorId: diaryOf(a), date, overrideType: 'blocked' }).returning();
  return row.id;
}
async function catalogueService(): Promise<string> {
  const [row] = await t.db.insert(services).values({ name: 'Matrix', slug: `matrix-${uniqueDigits()}`, durationMinutes: 60, priceCents: 9900, category: 'lesson' }).returning();
  return row.id;
}
/** The world's student's live waitlist entry with their instructor (one at most), made if there is none. */
async function liveWaitlistEntry(): Promise<string> {
  const live = and(eq(waitlist.studentId, w.student.id), inArray(waitlist.status, ['waiting', 'notified']));
  const [row] = await t.db.select({ id: waitlist.id }).from(waitlist).where(live);
  if (row) return row.id;
  const [made] = await t.db.insert(waitlist).values({ studentId: w.student.id, instructorId: w.instructor.id }).returning();
  return made.id;
}

// ─── Messages and notifications (issue 18): rows in the state each call needs, inserted as the app role ───
const isLane = (a: Actor, lane: string) => 'system' in a && a.system.startsWith(`${lane === 'job' ? 'cron' : lane}:`);
/** A webhook of the world (webhook:stripe) as the provider the operation serves; any other actor as it is. */
const asProvider = (a: Actor, provider: string): Actor => (isLane(a, 'webhook') ? systemActor(`webhook:${provider}`) : a);
let preference = false;
const nextPreference = () => (preference = !preference);
async function pendingNotification(): Promise<string> {
  const [row] = await t.db.insert(notifications).values({ channel: 'sms', notificationType: 'booking_reminder_2h', body: 'Soon', recipientPhone: '+61400000000', idempotencyKey: `matrix:${uniqueDigits()}` }).returning();
  return row.id;
}
async function claimedNotification(): Promise<{ notificationId: string; claimToken: string }> {
  const notificationId = await pendingNotification();
  const claimToken = randomUUID();
  await t.db.update(notifications).set({ status: 'sending', attempts: 1, claimToken, leaseExpiresAt: new Date(Date.now() + 60_000) }).where(eq(notifications.id, notificationId));
  return { notificationId, claimToken };
}
async function sentNotification(): Promise<string> {
  const { notificationId } = await claimedNotification();
  const externalId = `SM${uniqueDigits()}${uniqueDigits()}`;
  await t.db.update(notifications).set({ status: 'sent', externalId, leaseExpiresAt: null }).where(eq(notifications.id, notificationId));
  return externalId;
}

// ─── Contacts (issue 17): a contact assigned to the calling instructor (the world's for anyone else), so
// an allowed instructor meets their own contact; visibility between instructors is tests/contacts.test.ts' ───
let phones = 0;
const freshPhone = () => `+614${String(10_000_000 + phones++).padStart(8, '0')}`;
async function contactOf(a: Actor): Promise<string> {
  const instructorId = 'userId' in a && a.userId === w.otherInstructor.userId ? w.otherInstructor.id : w.instructor.id;
  const [row] = await t.db.insert(contacts).values({ firstName: 'Casey', phone: freshPhone(), instructorId }).returning();
  return row.id;
}

/** A qualified contact of the calling instructor (the world's for anyone else), with a Clerk user of its own. */
async function qualifiedContactOf(a: Actor): Promise<string> {
  const instructorId = 'userId' in a && a.userId === w.otherInstructor.userId ? w.otherInstructor.id : w.instructor.id;
  const digits = uniqueDigits();
  const [row] = await t.db
    .insert(contacts)
    .values({ firstName: 'Quinn', lastName: 'Qualified', email: `quinn.${digits}@example.com`, userId: `user_quinn${digits}`, lifecycleStage: 'qualified', instructorId })
    .returning();
  return row.id;
}

/** A pending invitation to the student, inserted as the app role: its token (for accepting) and its id. */
async function pendingInvitation(studentId: string): Promise<{ id: string; token: string }> {
  const token = randomBytes(32).toString('base64url');
  const [row] = await t.db
    .insert(parentInvitations)
    .values({ studentId, invitedBy: 'test', email: `p.${uniqueDigits()}@example.com`, tokenHash: access.invitationTokenHash(token), expiresAt: new Date(Date.now() + 86_400_000) })
    .returning();
  return { id: row.id, token };
}
const invitationToken = async (studentId: string) => (await pendingInvitation(studentId)).token;
const invitationOf = async (studentId: string) => (await pendingInvitation(studentId)).id;

/** A general self-assessment of the world's student, started (and submitted if asked). */
async function selfAssessment(submitted: boolean): Promise<string> {
  const [row] = await t.db.insert(selfAssessments).values({ studentId: w.student.id, assessmentType: 'general', responses: [] }).returning();
  if (submitted) await t.db.update(selfAssessments).set({ completedAt: new Date() }).where(eq(selfAssessments.id, row.id));
  return row.id;
}

// ─── The learner's record (issue 19): a signed lesson with a bridge form for each visibility call ───
async function lessonWithBridgeForm(): Promise<string> {
  const lessonId = await pendingLesson();
  await t.db.insert(lessonBridgeForms).values({ lessonId, studentId: w.student.id, instructorId: w.instructor.id, skillsCovered: [] });
  return lessonId;
}

// ─── Knowledge (issue 11): a valid embedding, and an indexed document for each archive call ───
const oneHot = (i: number) => Array.from({ length: 3072 }, (_, j) => (j === i ? 1 : 0));
async function documentToArchive(): Promise<string> {
  const [row] = await t.db.insert(ragDocuments).values({ title: 'To archive', sourceType: 'faq', status: 'indexed' }).returning();
  return row.id;
}

// ─── Scheduling (issue 9), in real time (only admins and system actors may pass `now`): a booking call
// gets a slot of its own, 14:00 on a fresh Canberra date a few days ahead opened by an 'available'
// override; the bookings a lifecycle call acts on are inserted directly, far ahead, two hours apart ───
let bookingDay = 2;
async function openSlot(): Promise<Date> {
  const date = addDays(canberraDate(new Date()), ++bookingDay);
  await t.db.insert(availabilityOverrides).values({ instructorId: w.instructor.id, date, startTime: '14:00', endTime: '16:00', overrideType: 'available' });
  return canberraInstant(date, '14:00');
}
let bookingSlot = 0;
/** A booking in `status`; `begun`: its lesson is in June 2025, long started (startBooking, completeBooking
 *  and markNoShow keep time: SCHEDULING.startEarlyMinutes, noShowAfterMinutes). */
async function bookingIn(status: 'pending' | 'confirmed' | 'in_progress', begun = false): Promise<string> {
  const start = new Date(Date.UTC(begun ? 2025 : 2027, 5, 1) + bookingSlot++ * 2 * 3_600_000);
  const [row] = await t.db
    .insert(bookings)
    .values({ instructorId: w.instructor.id, serviceId: w.serviceId, studentId: w.student.id, scheduledDate: canberraDate(start), startTime: start, endTime: new Date(start.getTime() + 3_600_000), durationMinutes: 60, status })
    .returning();
  return row.id;
}

async function paidThroughStripe(bookingId: string): Promise<string> {
  await insertPayment(t.db, w.student.id, { bookingId, gateway: 'stripe', gatewayPaymentId: `pi_${uniqueDigits()}`, status: 'completed' });
  return bookingId;
}

// ─── Who calls: each variant says what kind of actor it is and whether it can see the student ───

type Outcome = 'allowed' | 'NOT_FOUND' | 'FORBIDDEN';
interface Variant {
  name: string;
  actor: (w: World) => Actor;
  kind: MatrixColumn;
  /** Whether the actor can see the world's student for this operation (domain-rules "Privacy and tenancy"). */
  sees: boolean;
  suspended?: boolean;
  /** Changes the world around the call (and restores it). */
  around?: (flag: ParentFlag, call: () => Promise<unknown>) => Promise<unknown>;
}

const otherFlag = (flag: ParentFlag): ParentFlag => (flag === 'canViewPayments' ? 'canViewBookings' : 'canViewPayments');

const VARIANTS: Variant[] = [
  { name: 'admin', actor: (x) => x.actors.admin, kind: 'admin', sees: true },
  { name: 'job (cron:matrix)', actor: (x) => x.actors.job, kind: 'job', sees: true },
  { name: 'webhook (webhook:stripe)', actor: (x) => x.actors.webhook, kind: 'webhook', sees: true },
  { name: 'agent (agent:sms)', actor: (x) => x.actors.agent, kind: 'agent', sees: true },
  { name: 'command (cli:matrix)', actor: (x) => x.actors.cli, kind: 'cli', sees: true },
  { name: 'own instructor', actor: (x) => x.actors.ownInstructor, kind: 'instructor', sees: true },
  { name: 'other instructor', actor: (x) => x.actors.otherInstructor, kind: 'instructor', sees: false },
  { name: 'the student', actor: (x) => x.actors.student, kind: 'student', sees: true },
  { name: 'another student', actor: (x) => x.actors.otherStudent, kind: 'student', sees: false },
  { name: 'parent, flag on', actor: (x) => x.actors.parent, kind: 'parent', sees: true },
  { name: 'parent, another flag off', actor: (x) => x.actors.parent, kind: 'parent', sees: true, around: (f, call) => withLink(t.db, w, { [otherFlag(f)]: false }, call) },
  { name: 'parent, flag off', actor: (x) => x.actors.parent, kind: 'parent', sees: false, around: (f, call) => withLink(t.db, w, { [f]: false }, call) },
  { name: 'parent, master switch off', actor: (x) => x.actors.parent, kind: 'parent', sees: false, around: (_f, call) => withParentVisibilityOff(t.db, w, call) },
  { name: 'revoked parent', actor: (x) => x.actors.parent, kind: 'parent', sees: false, around: (_f, call) => withLink(t.db, w, { status: 'revoked' }, call) },
  { name: 'pending parent', actor: (x) => x.actors.parent, kind: 'parent', sees: false, around: (_f, call) => withLink(t.db, w, { status: 'pending' }, call) },
  { name: 'suspended user', actor: (x) => x.actors.suspended, kind: 'admin', sees: true, suspended: true },
];

/** The outcome the matrix promises. */
function expected(operation: OperationName, v: Variant): Outcome {
  const right = RIGHTS[operation];
  if (v.suspended) return 'FORBIDDEN';
  if (right.over === 'student' && !v.sees) return 'NOT_FOUND';
  const cell = right[v.kind];
  return cell === 'allow' ? 'allowed' : cell === 'forbid' ? 'FORBIDDEN' : 'NOT_FOUND';
}

async function outcomeOf(call: () => Promise<unknown>): Promise<Outcome | string> {
  try {
    await call();
    return 'allowed';
  } catch (err) {
    if (err instanceof NotFoundError) return 'NOT_FOUND';
    if (err instanceof ForbiddenError) return 'FORBIDDEN';
    return `unexpected ${(err as Error).name}: ${(err as Error).message}`;
  }
}

const cells = (Object.keys(RIGHTS) as OperationName[]).flatMap((operation) => VARIANTS.map((v) => [operation, v.name, v] as const));

describe('the access matrix', () => {
  it('has a call for every operation the access layer exports, and every exported operation is in the matrix', () => {
    const exported = Object.values(access)
      .filter((v): v is typeof v & { operation: { name: OperationName } } => typeof v === 'function' && 'operation' in v)
      .map((f) => f.operation.name)
      .sort();
    expect(exported).toEqual(Object.keys(RIGHTS).sort());
    expect(Object.keys(CALLS).sort()).toEqual(Object.keys(RIGHTS).sort());
  });

  it.each(cells)('%s as %s', async (operation, _name, v) => {
    const flag = (RIGHTS[operation] as Right).parentNeeds ?? 'canViewProgress';
    const call = () => CALLS[operation](v.actor(w));
    const outcome = await outcomeOf(() => (v.around ? v.around(flag, call) : call()) as Promise<unknown>);
    expect(outcome).toBe(expected(operation, v));
  });
});

describe('cells that must never change', () => {
  it('private notes do not exist for students, parents or agents, and only instructors write them', () => {
    expect(RIGHTS.listPrivateNotes).toMatchObject({ student: 'hidden', parent: 'hidden', job: 'hidden', webhook: 'hidden', agent: 'hidden', cli: 'hidden', admin: 'allow', instructor: 'allow' });
    expect(RIGHTS.addPrivateNote).toMatchObject({ student: 'forbid', parent: 'forbid', job: 'forbid', webhook: 'forbid', agent: 'forbid', cli: 'forbid' });
  });

  it('only admins read the audit log', () => {
    expect(RIGHTS.listAuditEvents).toEqual({ over: 'school', admin: 'allow', instructor: 'forbid', student: 'forbid', parent: 'forbid', job: 'forbid', webhook: 'forbid', agent: 'forbid', cli: 'forbid' });
  });

  it('only the lesson’s own people sign it, and students and parents never record or correct a lesson', () => {
    expect(RIGHTS.signLessonAsInstructor).toMatchObject({ admin: 'forbid', instructor: 'allow', student: 'forbid', parent: 'forbid', job: 'forbid', webhook: 'forbid', agent: 'forbid', cli: 'forbid' });
    expect(RIGHTS.signLessonAsStudent).toMatchObject({ admin: 'forbid', instructor: 'forbid', student: 'allow', parent: 'forbid', job: 'forbid', webhook: 'forbid', agent: 'forbid', cli: 'forbid' });
    for (const op of ['recordLesson', 'recordLessonCorrection'] as const) expect(RIGHTS[op]).toMatchObject({ student: 'forbid', parent: 'forbid' });
  });
});

describe('audit entries of operations', () => {
  it('name their actor: a Clerk user id, or for a system actor actor_role system and its name', async () => {
    const rows = await t.db.select().from(auditLog).where(gt(auditLog.chainPosition, auditStart));
    expect(rows.length).toBeGreaterThanOrEqual(16); // the allowed writes of the matrix above
    // (+ the providers the issue-18 calls act as: an inbound message or call creates its sender's contact; Clerk's user webhook)
    const systemNames = ['cron:matrix', 'webhook:stripe', 'agent:sms', 'cli:matrix', 'webhook:twilio', 'agent:web-chat', 'webhook:vapi', 'webhook:clerk'];
    const anonymous = rows.filter((r) => r.actorId === null && !(r.actorRole === 'system' && systemNames.includes((r.details as { systemActor?: string }).systemActor ?? '')));
    expect(anonymous).toEqual([]);
    for (const r of rows.filter((x) => x.actorId !== null)) expect(r.actorId).toMatch(/^user_/);
  });

  it('are written by the operations that changed something (recordLesson by the own instructor, for one)', async () => {
    const [row] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.eventType, 'LESSON_CREATED'), eq(auditLog.actorId, w.instructor.userId), gt(auditLog.chainPosition, auditStart)));
    expect(row).toMatchObject({ actorRole: 'instructor' });
  });
});

