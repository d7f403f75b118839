// The access matrix: who may do what, written once, as data (domain-rules.md "Privacy and tenancy",
// design.md "Who acts"). Every operation of the access layer has a row; tests/access-matrix.test.ts
// calls every operation as every kind of actor and checks each cell.
//
// The columns: the four kinds of person (admin, instructor, student, parent) and the four lanes of
// system actor (src/access/core/actor.ts): job (cron:*), webhook (webhook:<provider>), agent (agent:*,
// the AI channels that talk to the public: only what they need, availability, prospect bookings, the
// student's context, search) and cli (cli:*, the operator at a terminal).
//
// How a cell is read. First, visibility: an operation `over: 'student'` acts on one student's data,
// which exists for
//   admin, every system lane   every student;
//   instructor                 their own students (students.instructor_id);
//   student                    themselves;
//   parent                     a linked student, while the link is 'active', the student's
//                              parent_visibility is true and the link's `parentNeeds` flag is true.
// A student the actor cannot see does not exist for it: NOT_FOUND. Then the cell for the actor's column:
//   'allow'   go ahead (the operation may narrow further, e.g. only the lesson's own instructor signs,
//             a webhook only about its own provider's payments);
//   'forbid'  FORBIDDEN: the actor sees the student but may not do this;
//   'hidden'  NOT_FOUND: this data does not exist for this kind of actor at all (private notes).
// An operation `over: 'school'` concerns no one student; its cell is applied as it is.
import type { MatrixColumn } from './actor.js';

export type Cell = 'allow' | 'forbid' | 'hidden';
export type ParentFlag =
  | 'canViewProgress'
  | 'canViewBookings'
  | 'canViewPayments'
  | 'canViewLessonNotes'
  | 'canViewBridgeForms'
  | 'canBookLessons';

export type Right = { readonly over: 'student' | 'school'; readonly parentNeeds?: ParentFlag } & Readonly<Record<MatrixColumn, Cell>>;

/** No system actor at all. */
const noSystem = { job: 'forbid', webhook: 'forbid', agent: 'forbid', cli: 'forbid' } as const;
/** Of the system actors, the school's own jobs only (reminders, summaries, expiry). */
const jobsOnly = { ...noSystem, job: 'allow' } as const;
/** Every person who can see the student; of the system actors, jobs. */
const everyone = { admin: 'allow', instructor: 'allow', student: 'allow', parent: 'allow', ...jobsOnly } as const;
const staff = { admin: 'allow', instructor: 'allow', student: 'forbid', parent: 'forbid', ...noSystem } as const;
/** Nobody but admins and the system actors named after it. */
const adminsOnly = { admin: 'allow', instructor: 'forbid', student: 'forbid', parent: 'forbid', ...noSystem } as const;

export const RIGHTS = {
  // people
  getStudent: { over: 'student', parentNeeds: 'canViewProgress', ...everyone },
  setParentPermissions: { over: 'student', parentNeeds: 'canViewProgress', admin: 'allow', instructor: 'forbid', student: 'allow', parent: 'forbid', ...noSystem },
  linkInstructor: { over: 'school', ...adminsOnly, cli: 'allow' },
  // Clerk's user webhooks (issue 17): webhook:clerk only of the webhooks (src/access/people/clerk-sync.ts), and admins
  syncClerkUser: { over: 'school', ...adminsOnly, webhook: 'allow' },
  // a qualified contact enrolled: staff who see the contact (an instructor their own)
  convertContact: { over: 'school', ...staff },
  // parents (issue 17): the student invites and revokes, or an admin; the invited person accepts as a parent
  inviteParent: { over: 'student', admin: 'allow', instructor: 'forbid', student: 'allow', parent: 'forbid', ...noSystem },
  acceptParentInvitation: { over: 'school', admin: 'forbid', instructor: 'forbid', student: 'forbid', parent: 'allow', ...noSystem },
  revokeParentLink: { over: 'student', admin: 'allow', instructor: 'forbid', student: 'allow', parent: 'forbid', ...noSystem },

  // contacts (issue 17, SPEC-05): admins every contact, an instructor their own; an AI agent only finds
  // or creates one by the phone it is talking to (src/access/crm/contacts.ts)
  createContact: { over: 'school', ...staff },
  findOrCreateContact: { over: 'school', ...staff, agent: 'allow' },
  updateContact: { over: 'school', ...staff },
  setLifecycleStage: { over: 'school', ...staff },
  recordInteraction: { over: 'school', ...staff },
  deleteContact: { over: 'school', ...staff },
  listContacts: { over: 'school', ...staff },

  // logbook (lessons, signatures, bridge forms)
  listLessons: { over: 'student', parentNeeds: 'canViewProgress', ...everyone },
  listBridgeForms: { over: 'student', parentNeeds: 'canViewBridgeForms', ...everyone },
  recordLesson: { over: 'student', parentNeeds: 'canViewProgress', ...staff },
  recordLessonCorrection: { over: 'student', parentNeeds: 'canViewProgress', ...staff },
  signLessonAsInstructor: { over: 'student', parentNeeds: 'canViewProgress', admin: 'forbid', instructor: 'allow', student: 'forbid', parent: 'forbid', ...noSystem },
  signLessonAsStudent: { over: 'student', parentNeeds: 'canViewProgress', admin: 'forbid', instructor: 'forbid', student: 'allow', parent: 'forbid', ...noSystem },
  disputeLesson: { over: 'student', parentNeeds: 'canViewProgress', admin: 'forbid', instructor: 'forbid', student: 'allow', parent: 'forbid', ...noSystem },

  // competencies (ACT CBT&A) and the certificate of competency
  recordCompetencyChange: { over: 'student', parentNeeds: 'canViewProgress', ...staff },
  recordCompetencyChanges: { over: 'student', parentNeeds: 'canViewProgress', ...staff },
  getStudentProgress: { over: 'student', parentNeeds: 'canViewProgress', ...everyone },
  getInstructorProgressSummary: { over: 'school', admin: 'allow', instructor: 'allow', student: 'forbid', parent: 'forbid', ...jobsOnly },
  issueCertificate: { over: 'student', parentNeeds: 'canViewProgress', ...staff },

  // the learner's record (issue 19)
  // bridge forms: the lesson's own instructor writes one per signed lesson (src/access/record/bridge-forms.ts);
  // that instructor or an admin changes who sees it. A parent reads them behind can_view_bridge_forms.
  createBridgeForm: { over: 'student', parentNeeds: 'canViewBridgeForms', admin: 'forbid', instructor: 'allow', student: 'forbid', parent: 'forbid', ...noSystem },
  setBridgeFormVisibility: { over: 'student', parentNeeds: 'canViewBridgeForms', ...staff },
  getLogbookSummary: { over: 'student', parentNeeds: 'canViewProgress', ...everyone },
  // self-assessments (SPEC-19): the student starts and submits their own (an admin may start one); the
  // student's instructor marks it reviewed; whoever sees the student's progress reads them.
  startSelfAssessment: { over: 'student', parentNeeds: 'canViewProgress', admin: 'allow', instructor: 'forbid', student: 'allow', parent: 'forbid', ...noSystem },
  submitSelfAssessment: { over: 'student', parentNeeds: 'canViewProgress', admin: 'forbid', instructor: 'forbid', student: 'allow', parent: 'forbid', ...noSystem },
  markSelfAssessmentReviewed: { over: 'student', parentNeeds: 'canViewProgress', admin: 'forbid', instructor: 'allow', student: 'forbid', parent: 'forbid', ...noSystem },
  listSelfAssessments: { over: 'student', parentNeeds: 'canViewProgress', ...everyone },
  // a person's data on request (APP 12): admins only (src/access/record/export.ts)
  exportPersonData: { over: 'school', ...adminsOnly },
  // ...and its erasure (APP 11.2): admins only, confirmed (src/access/record/erasure.ts)
  erasePerson: { over: 'school', ...adminsOnly },

  // private notes: never a student's, a parent's or an AI agent's
  listPrivateNotes: { over: 'student', parentNeeds: 'canViewProgress', admin: 'allow', instructor: 'allow', student: 'hidden', parent: 'hidden', job: 'hidden', webhook: 'hidden', agent: 'hidden', cli: 'hidden' },
  addPrivateNote: { over: 'student', parentNeeds: 'canViewProgress', admin: 'forbid', instructor: 'allow', student: 'forbid', parent: 'forbid', ...noSystem },

  // scheduling
  listBookings: { over: 'student', parentNeeds: 'canViewBookings', ...everyone },
  // the booking lifecycle (issue 9). Agents book prospects only (contactId: admins, agents and jobs,
  // src/access/scheduling/create-booking.ts); payment (webhook) or the school confirms; jobs expire holds.
  createBooking: { over: 'student', parentNeeds: 'canBookLessons', admin: 'allow', instructor: 'allow', student: 'allow', parent: 'allow', ...noSystem },
  confirmBooking: { over: 'student', parentNeeds: 'canBookLessons', admin: 'allow', instructor: 'allow', student: 'forbid', parent: 'forbid', ...noSystem, job: 'allow', webhook: 'allow' },
  cancelBooking: { over: 'student', parentNeeds: 'canBookLessons', admin: 'allow', instructor: 'allow', student: 'allow', parent: 'allow', ...noSystem },
  rescheduleBooking: { over: 'student', parentNeeds: 'canBookLessons', admin: 'allow', instructor: 'allow', student: 'allow', parent: 'allow', ...noSystem },
  startBooking: { over: 'student', parentNeeds: 'canBookLessons', ...staff },
  completeBooking: { over: 'student', parentNeeds: 'canBookLessons', ...staff },
  markNoShow: { over: 'student', parentNeeds: 'canBookLessons', ...staff },
  expirePendingBookings: { over: 'school', ...adminsOnly, job: 'allow' },

  // money
  listPayments: { over: 'student', parentNeeds: 'canViewPayments', ...everyone },
  // (issue 10, docs/money.md) paying is part of booking: a parent pays or spends a credit only with can_book_lessons.
  // The gateway's webhook completes or fails only its own provider's payments (src/access/money/gateway.ts).
  startPayment: { over: 'student', parentNeeds: 'canBookLessons', admin: 'allow', instructor: 'allow', student: 'allow', parent: 'allow', ...noSystem },
  completePayment: { over: 'student', parentNeeds: 'canViewPayments', ...adminsOnly, webhook: 'allow' },
  failPayment: { over: 'student', parentNeeds: 'canViewPayments', ...adminsOnly, webhook: 'allow' },
  recordManualPayment: { over: 'student', parentNeeds: 'canViewPayments', ...staff },
  refundPayment: { over: 'student', parentNeeds: 'canViewPayments', ...adminsOnly },
  redeemCredit: { over: 'student', parentNeeds: 'canBookLessons', admin: 'allow', instructor: 'allow', student: 'allow', parent: 'allow', ...noSystem },
  // giving a credit back is the school's call (a late cancellation may forfeit it): staff and the school's jobs
  returnCredit: { over: 'student', parentNeeds: 'canBookLessons', admin: 'allow', instructor: 'allow', student: 'forbid', parent: 'forbid', ...jobsOnly },
  expirePendingPayments: { over: 'school', ...adminsOnly, job: 'allow' },
  expirePackages: { over: 'school', ...adminsOnly, job: 'allow' },

  // school set-up: availability, catalogue, waitlist (issue 17)
  // an instructor changes their own availability, an admin anyone's (src/access/scheduling/set-availability.ts)
  setAvailabilityRules: { over: 'school', ...staff },
  addAvailabilityOverride: { over: 'school', ...staff },
  removeAvailabilityOverride: { over: 'school', ...staff },
  // what the school sells and at what price: admins only
  createService: { over: 'school', ...adminsOnly },
  updateService: { over: 'school', ...adminsOnly },
  deactivateService: { over: 'school', ...adminsOnly },
  createPackage: { over: 'school', ...adminsOnly },
  updatePackage: { over: 'school', ...adminsOnly },
  deactivatePackage: { over: 'school', ...adminsOnly },
  createVoucher: { over: 'school', ...adminsOnly },
  updateVoucher: { over: 'school', ...adminsOnly },
  deactivateVoucher: { over: 'school', ...adminsOnly },
  // the waitlist: whoever may book for the student; a prospect (contactId) by admins and agents only
  // (src/access/scheduling/waitlist-entries.ts)
  joinWaitlist: { over: 'student', parentNeeds: 'canBookLessons', admin: 'allow', instructor: 'allow', student: 'allow', parent: 'allow', ...noSystem },
  leaveWaitlist: { over: 'student', parentNeeds: 'canBookLessons', admin: 'allow', instructor: 'allow', student: 'allow', parent: 'allow', ...noSystem },
  // messages and notifications (issue 18, docs/notifications.md)
  // the outbox: the school's jobs and staff write to it (an instructor only to their own students, their
  // parents and their contacts: src/access/notifications/outbox.ts); no webhook or agent
  enqueueNotification: { over: 'school', ...staff, job: 'allow' },
  // a person's own preferences (an admin anyone's)
  setNotificationPreference: { over: 'school', admin: 'allow', instructor: 'forbid', student: 'allow', parent: 'allow', ...noSystem },
  // the sending workers (cron:send-notifications)
  claimNotifications: { over: 'school', admin: 'forbid', instructor: 'forbid', student: 'forbid', parent: 'forbid', ...jobsOnly },
  markNotificationSent: { over: 'school', admin: 'forbid', instructor: 'forbid', student: 'forbid', parent: 'forbid', ...jobsOnly },
  markNotificationFailed: { over: 'school', admin: 'forbid', instructor: 'forbid', student: 'forbid', parent: 'forbid', ...jobsOnly },
  // a provider's delivery report, only on its own channel (webhook:twilio SMS, webhook:resend email)
  recordDeliveryStatus: { over: 'school', admin: 'forbid', instructor: 'forbid', student: 'forbid', parent: 'forbid', ...noSystem, webhook: 'allow' },
  // inbound: SMS from webhook:twilio, web chat from agent:web-chat, calls from the voice provider's webhook
  recordInboundMessage: { over: 'school', admin: 'forbid', instructor: 'forbid', student: 'forbid', parent: 'forbid', ...noSystem, webhook: 'allow', agent: 'allow' },
  recordCall: { over: 'school', admin: 'forbid', instructor: 'forbid', student: 'forbid', parent: 'forbid', ...noSystem, webhook: 'allow' },

  // audit log: only admins read it
  appendAuditEvent: { over: 'school', admin: 'allow', instructor: 'allow', student: 'forbid', parent: 'forbid', ...noSystem, job: 'allow', webhook: 'allow' },
  listAuditEvents: { over: 'school', ...adminsOnly },

  // knowledge (issue 11): ingestion by admins and the ingestion job; the student's context for the AI
  // agents, and for whoever may see the student (a parent: each part behind its own flag)
  indexDocument: { over: 'school', ...adminsOnly, job: 'allow' },
  archiveDocument: { over: 'school', ...adminsOnly, job: 'allow' },
  getStudentContext: { over: 'student', parentNeeds: 'canViewProgress', ...everyone, agent: 'allow' },
} as const satisfies Record<string, Right>;

export type OperationName = keyof typeof RIGHTS;
