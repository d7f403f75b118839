// The access layer: every business operation, each fn(db, actor, input) (see ./core/operation.ts).
// An application imports these, never the tables, to read or change the school's data: they check
// who is acting, keep each role inside its rights (./core/rights.ts) and return shapes that carry
// nothing private. tests/access-canary.test.ts enumerates this module's exports: a new read that is
// not covered there fails the suite.

// Who acts
export { systemActor, isSystemActor, SYSTEM_LANES, type Actor, type UserActor, type SystemActor, type SystemLane, type MatrixColumn, type StaffActor, type ResolvedActor } from './core/actor.js';
export { MAY_SET_NOW } from './core/clock.js';
export { RIGHTS, type OperationName, type Right, type Cell, type ParentFlag } from './core/rights.js';
export type { Operation, OperationInfo, OperationKind } from './core/operation.js';

// People
export { getStudent, setParentPermissions, type ParentPermissionsResult } from './people/students.js';
export type { StudentView } from './people/views.js';
export { linkInstructor, isPlaceholderUserId, InstructorLinkConflictError, type LinkInstructorInput, type LinkInstructorResult } from './people/instructors.js';
export { syncClerkUser, type SyncClerkUserResult } from './people/clerk-sync.js';
export { clerkIdentity, isNewerEvent, type ClerkUser, type ClerkIdentity } from './people/clerk-rules.js';
export { convertContact, type ConvertContactResult } from './people/enrolment.js';
export {
  inviteParent, acceptParentInvitation, revokeParentLink,
  type InviteParentResult, type AcceptParentInvitationResult, type RevokeParentLinkResult, type ParentInvitationView,
} from './people/parent-invitations.js';
export { MAX_PARENTS_PER_STUDENT, invitationTokenHash } from './people/parent-rules.js';
export { ContactNotConvertibleError, InvitationInvalidError } from './people/errors.js';
export type { SyncClerkUserInput, ConvertContactInput, InviteParentInput, AcceptParentInvitationInput, RevokeParentLinkInput } from './people/inputs.js';

// Contacts (issue 17, SPEC-05)
export { createContact, findOrCreateContact, updateContact, setLifecycleStage, recordInteraction, deleteContact, listContacts, type FoundContact } from './crm/contacts.js';
export type { ContactView } from './crm/views.js';
export { normalizePhone, normalizeEmail, LIFECYCLE_TRANSITIONS, canMoveLifecycle, DEFAULT_PHONE_REGION } from './crm/rules.js';

// Logbook
export { recordLesson, recordLessonCorrection } from './logbook/record.js';
export { signLessonAsInstructor, signLessonAsStudent, disputeLesson } from './logbook/signing.js';
export { listLessons, listBridgeForms } from './logbook/reads.js';
export type { LessonView, BridgeFormView } from './logbook/views.js';

// The learner's record (issue 19)
export { createBridgeForm, setBridgeFormVisibility, type BridgeFormRecord } from './record/bridge-forms.js';
export { skillsCovered, type SkillCovered, type SkillStatus } from './record/skills.js';
export { getLogbookSummary, type LogbookSummary } from './record/logbook-summary.js';
export type { LogbookHours } from './logbook/hours.js';
export { LessonNotSignedError, BridgeFormExistsError, PersonStillActiveError, PersonIsStaffError } from './record/errors.js';
export { startSelfAssessment, submitSelfAssessment, markSelfAssessmentReviewed, listSelfAssessments, type SelfAssessmentView } from './record/self-assessments.js';
export { tasksInScope, responseProblems, type SelfAssessmentResponse } from './record/responses.js';
export { exportPersonData, type PersonExport } from './record/export.js';
export { erasePerson, type PersonErasure } from './record/erasure.js';
export { PERSON_PARTS, type PersonPart, type Person } from './record/person-parts.js';
export { PERSONAL_COLUMNS, type ColumnFate } from './record/personal-columns.js';

// Private notes
export { listPrivateNotes, addPrivateNote, type PrivateNoteView } from './notes/private-notes.js';

// Scheduling
export { listBookings } from './scheduling/list-bookings.js';
export type { BookingView, StaffBookingView } from './scheduling/views.js';
export { getAvailableSlots, type Slot } from './scheduling/slots.js';
export { createBooking } from './scheduling/create-booking.js';
export { confirmBooking, startBooking, completeBooking, markNoShow, cancelBooking, type CancelBookingResult } from './scheduling/lifecycle.js';
export { rescheduleBooking, type RescheduleBookingResult } from './scheduling/reschedule.js';
export { expirePendingBookings } from './scheduling/expire-holds.js';
export type { WaitlistMatch } from './scheduling/waitlist.js';
export { SlotUnavailableError, InvalidTransitionError, NotYetDueError, type SlotUnavailableReason } from './scheduling/errors.js';
export { SCHEDULING, BOOKING_TRANSITIONS, isStepDue, stepAllowedFrom, type SchedulingSettings } from './scheduling/rules.js';
export { availableSlots, slotRefusal, SLOT_REFUSAL_REASONS, type AvailabilityData, type SlotRefusalReason, type RuleInput, type OverrideInput } from './scheduling/availability.js';

// School set-up (issue 17): availability, the catalogue, the waitlist
export {
  setAvailabilityRules, addAvailabilityOverride, removeAvailabilityOverride, type SetAvailabilityRulesResult, type AvailabilityOverrideResult, type OutsideAvailability,
} from './scheduling/set-availability.js';
export type { AvailabilityRuleView, AvailabilityOverrideView } from './scheduling/availability-views.js';
export { overlappingRules, lessonsOutside, WEEKDAY_NAMES, type WeeklyRule, type RuleOverlap } from './scheduling/availability-changes.js';
export { joinWaitlist, leaveWaitlist, LIVE_WAITLIST_STATUSES, type JoinWaitlistResult, type LeaveWaitlistResult, type WaitlistEntryView } from './scheduling/waitlist-entries.js';
export { createService, updateService, deactivateService } from './catalogue/services.js';
export { listServices, listServicesInput } from './catalogue/public-services.js';
export { createPackage, updatePackage, deactivatePackage } from './catalogue/packages.js';
export { createVoucher, updateVoucher, deactivateVoucher } from './catalogue/vouchers.js';
export type { ServiceView, PackageView, VoucherView } from './catalogue/views.js';

// Money
export { listPayments } from './money/list-payments.js';
export type { PaymentView } from './money/views.js';
export { startPayment, recordManualPayment, type CheckoutResult } from './money/checkout.js';
export { completePayment, failPayment, expirePendingPayments, type CompletionResult, type FailureResult, type ExpiredPayment } from './money/completion.js';
export { redeemCredit, returnCredit, expirePackages, type CreditResult } from './money/credits.js';
export { refundPayment, type RefundResult } from './money/refunds.js';
export {
  NoCreditsError, VoucherNotFoundError, VoucherExhaustedError, VoucherNotApplicableError, RefundExceedsPaymentError, PaymentTransitionError,
  AlreadyPaidError, PaymentInProgressError, NotPayableError, CreditNotReturnableError, GatewayPaymentMismatchError,
} from './money/errors.js';
export { voucherDiscount, choosePackage, normalizeVoucherCode, isLowOnCredits } from './money/rules.js';

// Messages and notifications (issue 18)
export { enqueueNotification, type EnqueuedNotification } from './notifications/outbox.js';
export { setNotificationPreference, type NotificationPreferenceSetting } from './notifications/preferences.js';
export { claimNotifications, markNotificationSent, markNotificationFailed, type SentResult, type FailedResult } from './notifications/workers.js';
export { recordDeliveryStatus, type DeliveryResult } from './notifications/delivery.js';
export { recordInboundMessage, recordCall, type InboundResult, type CallResult } from './notifications/inbound.js';
export type { NotificationView, ClaimedNotification } from './notifications/views.js';
export { LeaseLostError, NotOptableError, IdempotencyKeyReusedError } from './notifications/errors.js';
export {
  NOTIFICATION_TRANSITIONS, canMoveNotification, RETRY_DELAYS_SECONDS, MAX_ATTEMPTS, afterFailure, deliveryMove, PROVIDER_CHANNEL,
  NON_OPTABLE_TYPES, isOptable, optKeyword, renderTemplate, smsLength, CONVERSATION_IDLE_SECONDS, CONVERSATION_TRANSITIONS, VOICE_PROVIDERS,
  type DeliveryStatus, type SmsLength,
} from './notifications/rules.js';

// Audit log
export { appendAuditEvent, listAuditEvents, AUDIT_SUBJECTS, type AuditSubject } from './audit/audit-log.js';

// Competencies (ACT CBT&A) and the certificate of competency
export { recordCompetencyChange, recordCompetencyChanges } from './compliance/record-change.js';
export { getStudentProgress, getInstructorProgressSummary, type StudentProgress, type StudentProgressCounts } from './compliance/progress.js';
export { issueCertificate, type IssuedCertificate } from './compliance/certificate.js';
export {
  PrerequisitesNotMetError, NycCooldownActiveError, CertificateNotEligibleError, CertificateAlreadyIssuedError,
} from './compliance/errors.js';
export {
  ALLOWED_TRANSITIONS, OVERRULE_TARGETS, requiredTasks, blockingTasks, refusalOf, progressOf, applyChange,
  type TaskRule, type TaskState, type TaskProgress, type Progress, type Refusal, type CompetencyChange,
} from './compliance/rules.js';

// Knowledge (RAG) for the AI channels: ingestion, search (public), the student's context
export { indexDocument, archiveDocument } from './knowledge/ingest.js';
export type { KnowledgeDocument, ContextBooking, ContextPackage } from './knowledge/views.js';
export { searchKnowledge, type KnowledgeHit } from './knowledge/search.js';
export { getStudentContext, type StudentContext } from './knowledge/student-context.js';
export { embeddingProblem } from './knowledge/embedding.js';
export { KNOWLEDGE } from './knowledge/rules.js';
