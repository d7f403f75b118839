// Row types for all 29 tables (Select = read, New* = insert) and the enum value types.
// Everything is derived from the schema and ./schema/enums.ts, never written by hand.
import type { InferInsertModel, InferSelectModel } from 'drizzle-orm';
import type {
  AUDIT_SEVERITIES, AVAILABILITY_OVERRIDE_TYPES, BOOKING_CHANNELS, BOOKING_PAYMENT_STATUSES,
  BOOKING_STATUSES, CALL_OUTCOMES, CALL_RESOLUTIONS, COMMUNICATION_DIRECTIONS, COMPETENCY_STATUSES,
  CONVERSATION_CHANNELS, CONVERSATION_MODES, CONVERSATION_STATUSES, INACTIVE_BOOKING_STATUSES,
  INSTRUCTOR_STATUSES, INSTRUCTOR_TRANSMISSIONS, LESSON_STATUSES, LICENCE_TYPES, LIFECYCLE_STAGES,
  MESSAGE_SENDER_TYPES, NOTIFICATION_CHANNELS, NOTIFICATION_STATUSES, PARENT_LINK_STATUSES,
  PARENT_RELATIONSHIPS, PAYMENT_METHODS, PAYMENT_STATUSES, PRIVATE_NOTE_TYPES, PROFILE_STATUSES,
  RAG_DOCUMENT_STATUSES, RAG_SOURCE_TYPES, SELF_ASSESSMENT_TYPES, SERVICE_CATEGORIES,
  SIGNED_DOCUMENT_TYPES, SIGNER_ROLES, STUDENT_PACKAGE_STATUSES, STUDENT_STATUSES, TRANSMISSIONS,
  USER_ROLES, VOUCHER_TYPES, WAITLIST_STATUSES,
} from './schema/enums.js';
import type {
  profiles, instructors, students, parents, parentStudentLinks, parentInvitations,
  contacts,
  services, availabilityRules, availabilityOverrides,
  bookings,
  lessons, lessonBridgeForms,
  competencyTasks, studentCompetencies, signatures, auditLog,
  payments, packages, studentPackages, vouchers,
  conversations, messages, callLogs,
  privateNotes, selfAssessments,
  notifications,
  notificationPreferences,
  ragDocuments, ragChunks,
  waitlist,
} from './schema/index.js';

// ─── SELECT types (read from DB) ────────────

export type Profile = InferSelectModel<typeof profiles>;
export type Instructor = InferSelectModel<typeof instructors>;
export type Student = InferSelectModel<typeof students>;
export type Parent = InferSelectModel<typeof parents>;
export type ParentStudentLink = InferSelectModel<typeof parentStudentLinks>;
export type ParentInvitation = InferSelectModel<typeof parentInvitations>;

export type Contact = InferSelectModel<typeof contacts>;

export type Service = InferSelectModel<typeof services>;
export type AvailabilityRule = InferSelectModel<typeof availabilityRules>;
export type AvailabilityOverride = InferSelectModel<typeof availabilityOverrides>;

export type Booking = InferSelectModel<typeof bookings>;

export type Lesson = InferSelectModel<typeof lessons>;
export type LessonBridgeForm = InferSelectModel<typeof lessonBridgeForms>;

export type CompetencyTask = InferSelectModel<typeof competencyTasks>;
export type StudentCompetency = InferSelectModel<typeof studentCompetencies>;
export type Signature = InferSelectModel<typeof signatures>;
export type AuditLogEntry = InferSelectModel<typeof auditLog>;

export type Payment = InferSelectModel<typeof payments>;
export type Package = InferSelectModel<typeof packages>;
export type StudentPackage = InferSelectModel<typeof studentPackages>;
export type Voucher = InferSelectModel<typeof vouchers>;

export type Conversation = InferSelectModel<typeof conversations>;
export type Message = InferSelectModel<typeof messages>;
export type CallLog = InferSelectModel<typeof callLogs>;

export type PrivateNote = InferSelectModel<typeof privateNotes>;
export type SelfAssessment = InferSelectModel<typeof selfAssessments>;

export type Notification = InferSelectModel<typeof notifications>;
export type NotificationPreference = InferSelectModel<typeof notificationPreferences>;

export type RagDocument = InferSelectModel<typeof ragDocuments>;
export type RagChunk = InferSelectModel<typeof ragChunks>;

export type Waitlist = InferSelectModel<typeof waitlist>;

// ─── INSERT types (write to DB) ─────────────
// Generated columns (total_km, credits_remaining) are absent; hash-chain columns
// (chain_position, record_hash, previous_hash) are optional because a trigger sets them.

export type NewProfile = InferInsertModel<typeof profiles>;
export type NewInstructor = InferInsertModel<typeof instructors>;
export type NewStudent = InferInsertModel<typeof students>;
export type NewParent = InferInsertModel<typeof parents>;
export type NewParentStudentLink = InferInsertModel<typeof parentStudentLinks>;
export type NewParentInvitation = InferInsertModel<typeof parentInvitations>;

export type NewContact = InferInsertModel<typeof contacts>;

export type NewService = InferInsertModel<typeof services>;
export type NewAvailabilityRule = InferInsertModel<typeof availabilityRules>;
export type NewAvailabilityOverride = InferInsertModel<typeof availabilityOverrides>;

export type NewBooking = InferInsertModel<typeof bookings>;

export type NewLesson = InferInsertModel<typeof lessons>;
export type NewLessonBridgeForm = InferInsertModel<typeof lessonBridgeForms>;

export type NewCompetencyTask = InferInsertModel<typeof competencyTasks>;
export type NewStudentCompetency = InferInsertModel<typeof studentCompetencies>;
export type NewSignature = InferInsertModel<typeof signatures>;
export type NewAuditLogEntry = InferInsertModel<typeof auditLog>;

export type NewPayment = InferInsertModel<typeof payments>;
export type NewPackage = InferInsertModel<typeof packages>;
export type NewStudentPackage = InferInsertModel<typeof studentPackages>;
export type NewVoucher = InferInsertModel<typeof vouchers>;

export type NewConversation = InferInsertModel<typeof conversations>;
export type NewMessage = InferInsertModel<typeof messages>;
export type NewCallLog = InferInsertModel<typeof callLogs>;

export type NewPrivateNote = InferInsertModel<typeof privateNotes>;
export type NewSelfAssessment = InferInsertModel<typeof selfAssessments>;

export type NewNotification = InferInsertModel<typeof notifications>;
export type NewNotificationPreference = InferInsertModel<typeof notificationPreferences>;

export type NewRagDocument = InferInsertModel<typeof ragDocuments>;
export type NewRagChunk = InferInsertModel<typeof ragChunks>;

export type NewWaitlist = InferInsertModel<typeof waitlist>;

// ─── Enum types ─────────────────────────────
// The spec's names first (section 6), then one for every other enum column.

export type UserRole = (typeof USER_ROLES)[number];
export type ProfileStatus = (typeof PROFILE_STATUSES)[number];
export type BookingStatus = (typeof BOOKING_STATUSES)[number];
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export type LessonStatus = (typeof LESSON_STATUSES)[number];
export type CompetencyStatus = (typeof COMPETENCY_STATUSES)[number];
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];
/** conversations.channel (the spec's name). */
export type Channel = (typeof CONVERSATION_CHANNELS)[number];
export type AuditSeverity = (typeof AUDIT_SEVERITIES)[number];

// users
/** students.transmission and student_competencies.transmission. */
export type Transmission = (typeof TRANSMISSIONS)[number];
export type InstructorTransmission = (typeof INSTRUCTOR_TRANSMISSIONS)[number];
export type InstructorStatus = (typeof INSTRUCTOR_STATUSES)[number];
export type LicenceType = (typeof LICENCE_TYPES)[number];
export type StudentStatus = (typeof STUDENT_STATUSES)[number];
export type ParentRelationship = (typeof PARENT_RELATIONSHIPS)[number];
export type ParentLinkStatus = (typeof PARENT_LINK_STATUSES)[number];
// services
export type ServiceCategory = (typeof SERVICE_CATEGORIES)[number];
export type AvailabilityOverrideType = (typeof AVAILABILITY_OVERRIDE_TYPES)[number];
// bookings
export type InactiveBookingStatus = (typeof INACTIVE_BOOKING_STATUSES)[number];
export type BookingPaymentStatus = (typeof BOOKING_PAYMENT_STATUSES)[number];
/** bookings.booked_via. */
export type BookingChannel = (typeof BOOKING_CHANNELS)[number];
// compliance
export type SignerRole = (typeof SIGNER_ROLES)[number];
export type SignedDocumentType = (typeof SIGNED_DOCUMENT_TYPES)[number];
// payments
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];
export type StudentPackageStatus = (typeof STUDENT_PACKAGE_STATUSES)[number];
export type VoucherType = (typeof VOUCHER_TYPES)[number];
// communication
export type ConversationChannel = Channel;
export type ConversationMode = (typeof CONVERSATION_MODES)[number];
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
/** messages.direction and call_logs.call_direction. */
export type CommunicationDirection = (typeof COMMUNICATION_DIRECTIONS)[number];
export type MessageSenderType = (typeof MESSAGE_SENDER_TYPES)[number];
export type CallOutcome = (typeof CALL_OUTCOMES)[number];
export type CallResolution = (typeof CALL_RESOLUTIONS)[number];
// instructor tools
export type PrivateNoteType = (typeof PRIVATE_NOTE_TYPES)[number];
export type SelfAssessmentType = (typeof SELF_ASSESSMENT_TYPES)[number];
// notifications
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];
// rag
export type RagSourceType = (typeof RAG_SOURCE_TYPES)[number];
export type RagDocumentStatus = (typeof RAG_DOCUMENT_STATUSES)[number];
// system
export type WaitlistStatus = (typeof WAITLIST_STATUSES)[number];
