// The access matrix: who may do what, written once, as data (domain-rules.md "Privacy and tenancy").
// Every operation of the access layer has a row; tests/access-matrix.test.ts calls every operation as
// every kind of actor and checks each cell.
//
// How a cell is read. First, visibility: an operation `over: 'student'` acts on one student's data,
// which exists for
//   admin, system   every student;
//   instructor      their own students (students.instructor_id);
//   student         themselves;
//   parent          a linked student, while the link is 'active', the student's parent_visibility is
//                   true and the link's `parentNeeds` flag is true.
// A student the actor cannot see does not exist for it: NOT_FOUND. Then the cell for the actor's kind:
//   'allow'   go ahead (the operation may narrow further, e.g. only the lesson's own instructor signs);
//   'forbid'  FORBIDDEN: the actor sees the student but may not do this;
//   'hidden'  NOT_FOUND: this data does not exist for this kind of actor at all (private notes);
//   'jobs'    (system actors only) allowed to jobs and webhooks, FORBIDDEN to the AI agents that talk
//             to the public (agent:*), e.g. confirming a booking, which payment or the school does.
// An operation `over: 'school'` concerns no one student; its cell is applied as it is.
import type { ActorKind } from './actor.js';

export type Cell = 'allow' | 'forbid' | 'hidden' | 'jobs';
export type ParentFlag =
  | 'canViewProgress'
  | 'canViewBookings'
  | 'canViewPayments'
  | 'canViewLessonNotes'
  | 'canViewBridgeForms'
  | 'canBookLessons';

export type Right = { readonly over: 'student' | 'school'; readonly parentNeeds?: ParentFlag } & Readonly<Record<ActorKind, Cell>>;

const everyone = { admin: 'allow', instructor: 'allow', student: 'allow', parent: 'allow', system: 'allow' } as const;
const staff = { admin: 'allow', instructor: 'allow', student: 'forbid', parent: 'forbid', system: 'forbid' } as const;

export const RIGHTS = {
  // people
  getStudent: { over: 'student', parentNeeds: 'canViewProgress', ...everyone },
  setParentPermissions: { over: 'student', parentNeeds: 'canViewProgress', admin: 'allow', instructor: 'forbid', student: 'allow', parent: 'forbid', system: 'forbid' },
  linkInstructor: { over: 'school', admin: 'allow', instructor: 'forbid', student: 'forbid', parent: 'forbid', system: 'allow' },

  // logbook (lessons, signatures, bridge forms)
  listLessons: { over: 'student', parentNeeds: 'canViewProgress', ...everyone },
  listBridgeForms: { over: 'student', parentNeeds: 'canViewBridgeForms', ...everyone },
  recordLesson: { over: 'student', parentNeeds: 'canViewProgress', ...staff },
  recordLessonCorrection: { over: 'student', parentNeeds: 'canViewProgress', ...staff },
  signLessonAsInstructor: { over: 'student', parentNeeds: 'canViewProgress', admin: 'forbid', instructor: 'allow', student: 'forbid', parent: 'forbid', system: 'forbid' },
  signLessonAsStudent: { over: 'student', parentNeeds: 'canViewProgress', admin: 'forbid', instructor: 'forbid', student: 'allow', parent: 'forbid', system: 'forbid' },
  disputeLesson: { over: 'student', parentNeeds: 'canViewProgress', admin: 'forbid', instructor: 'forbid', student: 'allow', parent: 'forbid', system: 'forbid' },

  // competencies (ACT CBT&A) and the certificate of competency
  recordCompetencyChange: { over: 'student', parentNeeds: 'canViewProgress', ...staff },
  recordCompetencyChanges: { over: 'student', parentNeeds: 'canViewProgress', ...staff },
  getStudentProgress: { over: 'student', parentNeeds: 'canViewProgress', ...everyone },
  getInstructorProgressSummary: { over: 'school', admin: 'allow', instructor: 'allow', student: 'forbid', parent: 'forbid', system: 'allow' },
  issueCertificate: { over: 'student', parentNeeds: 'canViewProgress', ...staff },

  // private notes: never a student's, a parent's or an AI agent's
  listPrivateNotes: { over: 'student', parentNeeds: 'canViewProgress', admin: 'allow', instructor: 'allow', student: 'hidden', parent: 'hidden', system: 'hidden' },
  addPrivateNote: { over: 'student', parentNeeds: 'canViewProgress', admin: 'forbid', instructor: 'allow', student: 'forbid', parent: 'forbid', system: 'forbid' },

  // scheduling
  listBookings: { over: 'student', parentNeeds: 'canViewBookings', ...everyone },
  // the booking lifecycle (issue 9). Agents (system) book prospects only (contactId: admins and system
  // actors, src/access/scheduling/create-booking.ts), confirm paid bookings and expire holds.
  createBooking: { over: 'student', parentNeeds: 'canBookLessons', admin: 'allow', instructor: 'allow', student: 'allow', parent: 'allow', system: 'forbid' },
  confirmBooking: { over: 'student', parentNeeds: 'canBookLessons', admin: 'allow', instructor: 'allow', student: 'forbid', parent: 'forbid', system: 'jobs' },
  cancelBooking: { over: 'student', parentNeeds: 'canBookLessons', admin: 'allow', instructor: 'allow', student: 'allow', parent: 'allow', system: 'forbid' },
  rescheduleBooking: { over: 'student', parentNeeds: 'canBookLessons', admin: 'allow', instructor: 'allow', student: 'allow', parent: 'allow', system: 'forbid' },
  startBooking: { over: 'student', parentNeeds: 'canBookLessons', ...staff },
  completeBooking: { over: 'student', parentNeeds: 'canBookLessons', ...staff },
  markNoShow: { over: 'student', parentNeeds: 'canBookLessons', ...staff },
  expirePendingBookings: { over: 'school', admin: 'allow', instructor: 'forbid', student: 'forbid', parent: 'forbid', system: 'allow' },

  // money
  listPayments: { over: 'student', parentNeeds: 'canViewPayments', ...everyone },
  // (issue 10, docs/money.md) paying is part of booking: a parent pays or spends a credit only with can_book_lessons
  startPayment: { over: 'student', parentNeeds: 'canBookLessons', ...everyone },
  completePayment: { over: 'student', parentNeeds: 'canViewPayments', admin: 'allow', instructor: 'forbid', student: 'forbid', parent: 'forbid', system: 'allow' },
  failPayment: { over: 'student', parentNeeds: 'canViewPayments', admin: 'allow', instructor: 'forbid', student: 'forbid', parent: 'forbid', system: 'allow' },
  recordManualPayment: { over: 'student', parentNeeds: 'canViewPayments', ...staff },
  refundPayment: { over: 'student', parentNeeds: 'canViewPayments', admin: 'allow', instructor: 'forbid', student: 'forbid', parent: 'forbid', system: 'forbid' },
  redeemCredit: { over: 'student', parentNeeds: 'canBookLessons', ...everyone },
  // giving a credit back is the school's call (a late cancellation may forfeit it): staff and system actors
  returnCredit: { over: 'student', parentNeeds: 'canBookLessons', admin: 'allow', instructor: 'allow', student: 'forbid', parent: 'forbid', system: 'allow' },
  expirePendingPayments: { over: 'school', admin: 'allow', instructor: 'forbid', student: 'forbid', parent: 'forbid', system: 'allow' },
  expirePackages: { over: 'school', admin: 'allow', instructor: 'forbid', student: 'forbid', parent: 'forbid', system: 'allow' },

  // audit log: only admins read it
  appendAuditEvent: { over: 'school', admin: 'allow', instructor: 'allow', student: 'forbid', parent: 'forbid', system: 'allow' },
  listAuditEvents: { over: 'school', admin: 'allow', instructor: 'forbid', student: 'forbid', parent: 'forbid', system: 'forbid' },

  // knowledge (issue 11): ingestion by admins and the ingestion job; the student's context for the AI
  // agents (system actors), and for whoever may see the student (a parent: each part behind its own flag)
  indexDocument: { over: 'school', admin: 'allow', instructor: 'forbid', student: 'forbid', parent: 'forbid', system: 'jobs' },
  archiveDocument: { over: 'school', admin: 'allow', instructor: 'forbid', student: 'forbid', parent: 'forbid', system: 'jobs' },
  getStudentContext: { over: 'student', parentNeeds: 'canViewProgress', ...everyone },
} as const satisfies Record<string, Right>;

export type OperationName = keyof typeof RIGHTS;
