// How the round-trip section (bench/roundtrips.ts) calls each operation: who calls it (the caller an
// application would usually send: the student for their own reads and bookings, the instructor for the
// logbook, the gateway's webhook for payments, a job for the sweeps) and what one call needs, made
// before the call and outside what is counted. Each recipe makes its own rows, so a call can be
// repeated. An exported operation without a recipe here is listed as "no recipe" by the bench (which
// counts them), so a new operation shows up the day it is exported; add its recipe here.
// Modelled on the CALLS of tests/access-matrix.test.ts, with rows from the test builders (the bench
// already imports tests/support for its knowledge corpus).
import { createHash, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { systemActor, type Actor, type OperationName } from '../src/access/index.js';
import type { DatabaseOrTransaction } from '../src/db/engines/handle.js';
import {
  availabilityOverrides, bookings, contacts, lessonBridgeForms, lessons, notifications, parentInvitations, ragDocuments, selfAssessments, services, signatures, waitlist,
} from '../src/db/schema/index.js';
import { canberraDate } from '../src/domain/time.js';
import { addDays, canberraInstant } from '../src/domain/wall-clock.js';
import { makeFullyCompetent } from '../tests/support/compliance.js';
import { createLesson, createStudent, lessonValues } from '../tests/support/fixtures.js';
import { cancelledCreditBooking, createPackage, createVoucher, givePackage, insertPayment, unpaidBooking } from '../tests/support/money.js';
import { buildWorld, signLesson, type World } from '../tests/support/world.js';

export type Caller = keyof World['actors'];

export interface Recipe {
  /** Who calls (one of the bench world's actors). */
  as: Caller;
  /** Makes what one call uses and returns the call's input (run before the call, not counted). */
  input: () => Promise<unknown>;
  /** A business-rule refusal that still walks the operation's path (counted, marked in the table). */
  refusal?: string;
  /** The actor itself, when none of the world's fits (a webhook of another provider than stripe). */
  actor?: Actor;
}

let serial = 0;
const unique = () => `${Date.now().toString(36)}${serial++}`;
// Mobile numbers in +61 412 ..., a range libphonenumber knows as Australian mobiles (not every +61 4xx is:
// a number drawn from the clock once fell outside, and four recipes failed in a full run), distinct within
// a run; the run's database is its own, so runs need not differ.
const PHONE_BASE = Date.now() % 500_000;
const freshPhone = () => `+61412${String((PHONE_BASE + serial++) % 1_000_000).padStart(6, '0')}`;
const oneHot = (i: number) => Array.from({ length: 3072 }, (_, j) => (j === i ? 1 : 0));

/** The world the recipes act in (tests/support/world.ts: one student with everything a student has,
 *  their instructor, a parent, an admin...) plus the rows that repeated calls share. */
export async function recipeBook(db: DatabaseOrTransaction): Promise<{ world: World; recipes: Partial<Record<OperationName, Recipe>> }> {
  const w = await buildWorld(db);
  const student = w.student.id;
  const people = { instructorId: w.instructor.id, studentId: student, serviceId: w.serviceId };
  await givePackage(db, student, { creditsTotal: 1000 }); // credits for every redeemCredit call

  let lessonNumber = 100;
  let lessonDay = 0;
  const draftLesson = async () => (await createLesson(db, lessonValues(w.instructor.id, student, lessonNumber++))).id;
  const pendingLesson = async () => {
    const id = await draftLesson();
    const [sig] = await db.insert(signatures).values({ signerId: w.instructor.userId, signerRole: 'instructor', documentType: 'lesson', documentId: id, signatureUrl: 'r2://i.png' }).returning();
    await db.update(lessons).set({ status: 'pending_student_signature', instructorSignatureId: sig.id }).where(eq(lessons.id, id));
    return id;
  };
  const completedLesson = async () => {
    const id = await draftLesson();
    await signLesson(db, id, w.instructor.userId, w.student.userId);
    return id;
  };
  const contact = async () => (await db.insert(contacts).values({ firstName: 'Casey', phone: freshPhone(), instructorId: w.instructor.id }).returning())[0].id;
  const selfAssessment = async (submitted: boolean) => {
    const [row] = await db.insert(selfAssessments).values({ studentId: student, assessmentType: 'general', responses: [] }).returning();
    if (submitted) await db.update(selfAssessments).set({ completedAt: new Date() }).where(eq(selfAssessments.id, row.id));
    return row.id;
  };
  // A slot of its own for each booking call: 14:00 on a fresh Canberra date a few days ahead, opened by an override.
  let bookingDay = 2;
  const openSlot = async () => {
    const date = addDays(canberraDate(new Date()), ++bookingDay);
    await db.insert(availabilityOverrides).values({ instructorId: w.instructor.id, date, startTime: '14:00', endTime: '16:00', overrideType: 'available' });
    return canberraInstant(date, '14:00');
  };
  // Bookings a lifecycle call acts on, two hours apart; `begun`: in June 2025, long started.
  let bookingSlot = 0;
  const bookingIn = async (status: 'pending' | 'confirmed' | 'in_progress', begun = false) => {
    const start = new Date(Date.UTC(begun ? 2025 : 2027, 5, 1) + bookingSlot++ * 2 * 3_600_000);
    const [row] = await db
      .insert(bookings)
      .values({ instructorId: w.instructor.id, serviceId: w.serviceId, studentId: student, scheduledDate: canberraDate(start), startTime: start, endTime: new Date(start.getTime() + 3_600_000), durationMinutes: 60, status })
      .returning();
    return row.id;
  };
  let task = 0;
  const taskToTeach = () => (task++ % 23) + 1;
  let ruleDay = 0;
  let overrideDay = 0;
  let preference = false;
  const service = async () => (await db.insert(services).values({ name: 'Bench', slug: `bench-${unique()}`, durationMinutes: 60, priceCents: 9900, category: 'lesson' }).returning())[0].id;
  /** A pending parent invitation to the student: its token (to accept) or its id (to withdraw). */
  const invitation = async (studentId: string, want: 'token' | 'id') => {
    const token = randomUUID().replace(/-/g, '').padEnd(43, 'x');
    const [row] = await db
      .insert(parentInvitations)
      .values({ studentId, invitedBy: 'bench', email: `p.${unique()}@example.com`, tokenHash: createHash('sha256').update(token).digest('hex'), expiresAt: new Date(Date.now() + 86_400_000) })
      .returning();
    return want === 'token' ? token : row.id;
  };
  const pendingNotification = async () =>
    (await db.insert(notifications).values({ channel: 'sms', notificationType: 'booking_reminder_2h', body: 'Soon', recipientPhone: '+61400000000', idempotencyKey: `bench:${unique()}` }).returning())[0].id;
  const claimedNotification = async () => {
    const notificationId = await pendingNotification();
    const claimToken = randomUUID();
    await db.update(notifications).set({ status: 'sending', attempts: 1, claimToken, leaseExpiresAt: new Date(Date.now() + 60_000) }).where(eq(notifications.id, notificationId));
    return { notificationId, claimToken };
  };

  const recipes: Partial<Record<OperationName, Recipe>> = {
    // people
    getStudent: { as: 'student', input: async () => ({ studentId: student }) },
    setParentPermissions: { as: 'student', input: async () => ({ studentId: student, parentId: w.parent.id, permissions: { canViewProgress: true } }) },
    linkInstructor: {
      as: 'admin',
      input: async () => ({ clerkId: `user_bench${unique()}`, adiNumber: `B${unique()}`, adiExpiry: '2028-06-30', firstName: 'New', lastName: 'Instructor', email: 'new@example.com' }),
    },
    // contacts
    createContact: { as: 'ownInstructor', input: async () => ({ firstName: 'Casey', phone: freshPhone(), source: 'website' }) },
    findOrCreateContact: { as: 'agent', input: async () => ({ firstName: 'Casey', phone: freshPhone(), source: 'sms' }) },
    updateContact: { as: 'ownInstructor', input: async () => ({ contactId: await contact(), firstName: 'Casey-Lee' }) },
    setLifecycleStage: { as: 'ownInstructor', input: async () => ({ contactId: await contact(), stage: 'lead' }) },
    recordInteraction: { as: 'ownInstructor', input: async () => ({ contactId: await contact(), channel: 'phone' }) },
    deleteContact: { as: 'ownInstructor', input: async () => ({ contactId: await contact() }) },
    listContacts: { as: 'ownInstructor', input: async () => ({}) },
    // logbook
    listLessons: { as: 'student', input: async () => ({ studentId: student }) },
    listBridgeForms: { as: 'student', input: async () => ({ studentId: student }) },
    recordLesson: {
      as: 'ownInstructor',
      input: async () => {
        const day = new Date(Date.UTC(2025, 0, 1) + lessonDay++ * 86_400_000); // a fresh past day each call
        const start = canberraInstant(canberraDate(day), '10:00');
        return { studentId: student, startTime: start.toISOString(), endTime: new Date(start.getTime() + 3_600_000).toISOString() };
      },
    },
    recordLessonCorrection: { as: 'ownInstructor', input: async () => ({ lessonId: await completedLesson(), reason: 'bench', changes: { odoStart: 10, odoEnd: 20 } }) },
    signLessonAsInstructor: { as: 'ownInstructor', input: async () => ({ lessonId: await draftLesson(), signature: { signatureUrl: 'r2://signatures/bench.png' } }) },
    signLessonAsStudent: { as: 'student', input: async () => ({ lessonId: await pendingLesson(), signature: { signatureUrl: 'r2://signatures/bench.png' } }) },
    disputeLesson: { as: 'student', input: async () => ({ lessonId: await pendingLesson(), reason: 'bench' }) },
    // the learner's record
    createBridgeForm: {
      as: 'ownInstructor',
      input: async () => ({ lessonId: await pendingLesson(), positives: 'Smooth starts', practiceInstructions: 'Mirror checks', focusAreas: 'Roundabouts', nextLessonRecommendation: 'Task 6' }),
    },
    setBridgeFormVisibility: {
      as: 'ownInstructor',
      input: async () => {
        const lessonId = await pendingLesson();
        await db.insert(lessonBridgeForms).values({ lessonId, studentId: student, instructorId: w.instructor.id, skillsCovered: [] });
        return { lessonId, isVisibleToParent: false };
      },
    },
    getLogbookSummary: { as: 'student', input: async () => ({ studentId: student }) },
    startSelfAssessment: { as: 'student', input: async () => ({ studentId: student }) },
    submitSelfAssessment: {
      as: 'student',
      input: async () => ({ selfAssessmentId: await selfAssessment(false), responses: Array.from({ length: 23 }, (_, i) => ({ taskNumber: i + 1, confidence: 3 })) }),
    },
    markSelfAssessmentReviewed: { as: 'ownInstructor', input: async () => ({ selfAssessmentId: await selfAssessment(true) }) },
    listSelfAssessments: { as: 'student', input: async () => ({ studentId: student }) },
    exportPersonData: { as: 'admin', input: async () => ({ studentId: student }) },
    erasePerson: { as: 'admin', input: async () => ({ contactId: await contact(), confirm: true }) },
    // private notes
    listPrivateNotes: { as: 'ownInstructor', input: async () => ({ studentId: student }) },
    addPrivateNote: { as: 'ownInstructor', input: async () => ({ studentId: student, note: 'Watch the blind spot', noteType: 'coaching_strategy' }) },
    // competencies
    recordCompetencyChange: { as: 'ownInstructor', input: async () => ({ studentId: student, taskNumber: taskToTeach(), status: 'taught' }) },
    recordCompetencyChanges: { as: 'ownInstructor', input: async () => ({ studentId: student, changes: [{ taskNumber: taskToTeach(), status: 'taught' }] }) },
    getStudentProgress: { as: 'student', input: async () => ({ studentId: student }) },
    getInstructorProgressSummary: { as: 'ownInstructor', input: async () => ({}) },
    issueCertificate: {
      as: 'ownInstructor',
      input: async () => {
        const ready = await createStudent(db, w.instructor.id);
        await makeFullyCompetent(db, ready);
        return { studentId: ready.id, confirm: true };
      },
    },
    // scheduling
    listBookings: { as: 'student', input: async () => ({ studentId: student }) },
    createBooking: { as: 'student', input: async () => ({ instructorId: w.instructor.id, serviceId: w.serviceId, studentId: student, start: await openSlot(), bookedVia: 'website' }) },
    confirmBooking: {
      as: 'webhook',
      input: async () => {
        const bookingId = await bookingIn('pending');
        await insertPayment(db, student, { bookingId, gateway: 'stripe', gatewayPaymentId: `pi_bench${unique()}`, status: 'completed' });
        return { bookingId };
      },
    },
    cancelBooking: { as: 'student', input: async () => ({ bookingId: await bookingIn('confirmed'), reason: 'bench' }) },
    rescheduleBooking: { as: 'student', input: async () => ({ bookingId: await bookingIn('confirmed'), start: await openSlot() }) },
    startBooking: { as: 'ownInstructor', input: async () => ({ bookingId: await bookingIn('confirmed', true) }) },
    completeBooking: { as: 'ownInstructor', input: async () => ({ bookingId: await bookingIn('in_progress', true) }) },
    markNoShow: { as: 'ownInstructor', input: async () => ({ bookingId: await bookingIn('confirmed', true) }) },
    expirePendingBookings: { as: 'job', input: async () => ({}) },
    // money
    listPayments: { as: 'student', input: async () => ({ studentId: student }) },
    startPayment: { as: 'student', input: async () => ({ studentId: student, bookingId: (await unpaidBooking(db, people)).id, method: 'card' }) },
    completePayment: {
      as: 'webhook',
      input: async () => ({ paymentId: (await insertPayment(db, student, { gateway: 'stripe' })).id, gatewayPaymentId: `pi_bench${unique()}` }),
    },
    failPayment: {
      as: 'webhook',
      input: async () => ({ paymentId: (await insertPayment(db, student, { gateway: 'stripe' })).id, gatewayPaymentId: `pi_bench${unique()}`, reason: 'declined' }),
    },
    recordManualPayment: { as: 'ownInstructor', input: async () => ({ studentId: student, bookingId: (await unpaidBooking(db, people)).id, method: 'cash' }) },
    refundPayment: { as: 'admin', input: async () => ({ paymentId: (await insertPayment(db, student, { status: 'completed' })).id, amountCents: 500, reason: 'bench' }) },
    redeemCredit: { as: 'student', input: async () => ({ bookingId: (await unpaidBooking(db, people)).id }) },
    returnCredit: { as: 'ownInstructor', input: async () => ({ bookingId: (await cancelledCreditBooking(db, people)).booking.id }) },
    expirePendingPayments: { as: 'job', input: async () => ({}) },
    expirePackages: { as: 'job', input: async () => ({}) },
    // audit log
    appendAuditEvent: { as: 'job', input: async () => ({ eventType: 'BENCH_CHECK', details: { about: 'the school' } }) },
    listAuditEvents: { as: 'admin', input: async () => ({ limit: 5 }) },
    // knowledge
    indexDocument: { as: 'job', input: async () => ({ title: 'Bench', sourceType: 'faq', chunks: [{ content: 'A chunk', embedding: oneHot(7) }] }) },
    archiveDocument: {
      as: 'admin',
      input: async () => ({ documentId: (await db.insert(ragDocuments).values({ title: 'To archive', sourceType: 'faq', status: 'indexed' }).returning())[0].id }),
    },
    getStudentContext: { as: 'agent', input: async () => ({ studentId: student }) },

    // people (issue 17)
    syncClerkUser: {
      as: 'webhook', actor: systemActor('webhook:clerk'),
      input: async () => ({ eventId: `evt_${unique()}`, type: 'user.created', occurredAt: new Date(), user: { id: `user_bench${unique()}`, first_name: 'Clerk' } }),
    },
    convertContact: {
      as: 'ownInstructor',
      input: async () => {
        const id = unique();
        const [row] = await db.insert(contacts).values({ firstName: 'Quinn', lastName: 'Q', email: `q.${id}@example.com`, userId: `user_q${id}`, lifecycleStage: 'qualified', instructorId: w.instructor.id }).returning();
        return { contactId: row.id };
      },
    },
    // an admin invites for a fresh student each call (one student may have 5 parents or invitations)
    inviteParent: { as: 'admin', input: async () => ({ studentId: (await createStudent(db, w.instructor.id)).id, email: `p.${unique()}@example.com` }) },
    // the world's parent accepts a fresh invitation to the other student (the link is re-activated each time)
    acceptParentInvitation: { as: 'parent', input: async () => ({ token: await invitation(w.otherStudent.id, 'token') }) },
    revokeParentLink: { as: 'student', input: async () => ({ invitationId: await invitation(student, 'id') }) },
    // school set-up (issue 17)
    setAvailabilityRules: {
      as: 'ownInstructor',
      input: async () => ({ instructorId: w.instructor.id, rules: [{ dayOfWeek: 1, startTime: '09:00', endTime: '12:00' }], effectiveFrom: addDays('2199-01-01', ruleDay++) }),
    },
    addAvailabilityOverride: { as: 'ownInstructor', input: async () => ({ instructorId: w.instructor.id, date: addDays('2199-06-01', overrideDay++), overrideType: 'blocked' }) },
    removeAvailabilityOverride: {
      as: 'ownInstructor',
      input: async () => ({ overrideId: (await db.insert(availabilityOverrides).values({ instructorId: w.instructor.id, date: addDays('2198-06-01', overrideDay++), overrideType: 'blocked' }).returning())[0].id }),
    },
    createService: { as: 'admin', input: async () => ({ name: 'Bench lesson', slug: `bench-${unique()}`, durationMinutes: 60, priceCents: 9900, category: 'lesson' }) },
    updateService: { as: 'admin', input: async () => ({ serviceId: await service(), priceCents: 11000 }) },
    deactivateService: { as: 'admin', input: async () => ({ serviceId: await service() }) },
    createPackage: { as: 'admin', input: async () => ({ name: 'Bench 5', totalCredits: 5, priceCents: 50000 }) },
    updatePackage: { as: 'admin', input: async () => ({ packageId: (await createPackage(db)).id, priceCents: 90000 }) },
    deactivatePackage: { as: 'admin', input: async () => ({ packageId: (await createPackage(db)).id }) },
    createVoucher: { as: 'admin', input: async () => ({ code: `bench-${unique()}`, voucherType: 'percentage', discountPercent: 10 }) },
    updateVoucher: { as: 'admin', input: async () => ({ voucherId: (await createVoucher(db)).id, discountPercent: 20 }) },
    deactivateVoucher: { as: 'admin', input: async () => ({ voucherId: (await createVoucher(db)).id }) },
    // one live entry per person and instructor: the student's entries are ended before each join
    joinWaitlist: {
      as: 'student',
      input: async () => {
        await db.update(waitlist).set({ status: 'cancelled' }).where(eq(waitlist.studentId, student));
        return { studentId: student, preferredDay: 3 };
      },
    },
    leaveWaitlist: {
      as: 'student',
      input: async () => {
        await db.update(waitlist).set({ status: 'cancelled' }).where(eq(waitlist.studentId, student));
        return { waitlistId: (await db.insert(waitlist).values({ studentId: student, instructorId: w.instructor.id }).returning())[0].id };
      },
    },
    // messages and notifications (issue 18)
    enqueueNotification: {
      as: 'job',
      input: async () => ({
        recipient: { contactId: await contact() }, type: 'booking_reminder_24h', channel: 'sms', template: { body: 'Lesson tomorrow at {time}' },
        data: { time: '10:00' }, idempotencyKey: `bench:${unique()}`,
      }),
    },
    setNotificationPreference: { as: 'student', input: async () => ({ notificationType: 'booking_reminder_2h', channel: 'sms', enabled: (preference = !preference) }) },
    claimNotifications: {
      as: 'job',
      input: async () => {
        await pendingNotification();
        return { limit: 1, leaseSeconds: 60 };
      },
    },
    markNotificationSent: { as: 'job', input: async () => ({ ...(await claimedNotification()), externalId: `SM${unique()}` }) },
    markNotificationFailed: { as: 'job', input: async () => ({ ...(await claimedNotification()), reason: 'Twilio 30003' }) },
    recordDeliveryStatus: {
      as: 'webhook', actor: systemActor('webhook:twilio'),
      input: async () => {
        const { notificationId } = await claimedNotification();
        const externalId = `SM${unique()}`;
        await db.update(notifications).set({ status: 'sent', externalId, leaseExpiresAt: null }).where(eq(notifications.id, notificationId));
        return { externalId, status: 'delivered', occurredAt: new Date() };
      },
    },
    recordInboundMessage: { as: 'webhook', actor: systemActor('webhook:twilio'), input: async () => ({ channel: 'sms', providerMessageId: `SM${unique()}`, from: freshPhone(), body: 'Hi' }) },
    recordCall: {
      as: 'webhook', actor: systemActor('webhook:vapi'),
      input: async () => ({ voiceProvider: 'vapi', externalCallId: `call-${unique()}`, callerPhone: freshPhone(), startedAt: new Date(), outcome: 'answered' }),
    },
  };
  return { world: w, recipes };
}
