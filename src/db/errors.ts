// Typed errors with stable codes. Database errors arrive wrapped by drizzle (the SQLSTATE is on
// err.cause.code, not err.code); toDbError() unwraps them into one of these classes and keeps the
// original as `cause`, so callers switch on `code`, never on message text.

/** SQLSTATEs raised by this package's own triggers (class "ND" = NexDrive). */
export const NEXDRIVE_SQLSTATE = {
  /** UPDATE, DELETE or TRUNCATE on an append-only table (audit_log, signatures, student_competencies, messages, call_logs). */
  appendOnly: 'ND001',
  /** A change to a lesson that its status does not allow (a frozen or completed lesson, a skipped signing step). */
  lessonFrozen: 'ND002',
  /** A signature by the wrong person, for a missing document, or out of the lesson's signing order. */
  signatureRefused: 'ND003',
  /** A kept record's meaning would change: a completed payment's amount, a referenced competency task's rules. */
  recordFrozen: 'ND004',
  /** A sixth active parent link for one student. */
  parentLinkLimit: 'ND005',
  /** A person's user_id changed (an instructor's only with its INSTRUCTOR_RELINKED audit entry). */
  identityFrozen: 'ND006',
  // Competencies and the certificate (migration 0017); DETAIL holds JSON facts (blockingTasks, endsAt...).
  competencyTransition: 'ND010',
  prerequisitesNotMet: 'ND011',
  nycCooldownActive: 'ND012',
  finalDriveLessonRequired: 'ND013',
  competencyRowMismatch: 'ND014',
  clockOverrideRefused: 'ND015',
  certificateFrozen: 'ND016',
  certificateNotEligible: 'ND017',
  /** A booking status change the lifecycle does not allow (issue 9). */
  bookingTransition: 'ND020',
  /** cancelled_at / cancelled_by on a booking that is not being cancelled, missing, or changed (issue 9). */
  bookingCancellation: 'ND021',
  /** A booking's instructor, service or times edited instead of rescheduled (issue 9). */
  bookingFrozen: 'ND022',
  /** An invoice number chosen by a caller, or on a payment that has not completed: the database gives them (issue 10). */
  invoiceNumberRefused: 'ND030',
  /** A payment status move the payment rules do not allow (failed -> completed, refunded -> completed...). */
  paymentTransition: 'ND031',
  /** Money on a booking that cannot take it: a cancelled or rescheduled booking marked paid, a checkout
   *  for one, a payment left on a rescheduled booking (its money follows the booking that replaced it). */
  notPayable: 'ND032',
  /** A contact's lifecycle stage moved in a way SPEC-05's state machine does not allow (issue 17). */
  contactTransition: 'ND040',
  /** Where a contact first came from (source, UTM fields, first_contact_at) changed once set (issue 17). */
  contactFirstTouch: 'ND041',
  /** A parent invitation accepted or revoked twice, or changed in anything but its status (issue 17). */
  parentInvitationFrozen: 'ND042',
  /** A notification status move the outbox does not allow (delivered back to sent...), or an attempt counted outside a claim (issue 18). */
  notificationTransition: 'ND050',
  /** What a notification sent, to whom, or its provider id changed once written (issue 18). */
  notificationFrozen: 'ND051',
  /** A conversation status move not allowed (a closed conversation reopened) (issue 18). */
  conversationTransition: 'ND052',
  /** A conversation's channel, identifier, start or people changed, or its history shrank (issue 18). */
  conversationFrozen: 'ND053',
} as const;

export type DbErrorCode =
  | 'UNIQUE_VIOLATION'
  | 'BOOKING_OVERLAP'
  | 'EXCLUSION_VIOLATION'
  | 'CHECK_VIOLATION'
  | 'FOREIGN_KEY_VIOLATION'
  | 'NOT_NULL_VIOLATION'
  | 'APPEND_ONLY_VIOLATION'
  | 'LESSON_FROZEN'
  | 'SIGNATURE_REFUSED'
  | 'RECORD_FROZEN'
  | 'PARENT_LINK_LIMIT'
  | 'IDENTITY_FROZEN'
  | 'INVALID_TRANSITION'
  | 'PREREQUISITES_NOT_MET'
  | 'NYC_COOLDOWN_ACTIVE'
  | 'FINAL_DRIVE_LESSON_REQUIRED'
  | 'COMPETENCY_ROW_MISMATCH'
  | 'CLOCK_OVERRIDE_REFUSED'
  | 'CERTIFICATE_FROZEN'
  | 'CERTIFICATE_NOT_ELIGIBLE'
  | 'INVALID_CANCELLATION'
  | 'BOOKING_FROZEN'
  | 'INVOICE_NUMBER_REFUSED'
  | 'NOT_PAYABLE'
  | 'CONTACT_FIRST_TOUCH_FROZEN'
  | 'DUPLICATE_CONTACT'
  | 'DUPLICATE_SERVICE_SLUG'
  | 'DUPLICATE_VOUCHER_CODE'
  | 'AVAILABILITY_OVERLAP'
  | 'DUPLICATE_GATEWAY_PAYMENT'
  | 'DUPLICATE_EXTERNAL_ID'
  | 'SERIALIZATION_FAILURE'
  | 'DATABASE_ERROR';

export class NexDriveError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The environment or a command line asks for something impossible (bad DATABASE_URL, missing flag). */
export class ConfigError extends NexDriveError {
  constructor(message: string) {
    super('CONFIG_ERROR', message);
  }
}

/** Input that fails validation before any SQL runs. Nothing was written. `issues` reads
 *  "field: what is wrong", one per problem; `fields` names each bad field (dotted paths). */
export class ValidationError extends NexDriveError {
  constructor(
    message: string,
    readonly issues: string[] = [],
    readonly fields: string[] = [],
  ) {
    super('VALIDATION_ERROR', message);
  }
}

/** What the actor asked for does not exist, or does not exist for this actor (data an actor may not
 *  see is reported exactly like data that is not there). */
export class NotFoundError extends NexDriveError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** The actor can see the thing but may not do this to it (a student signing as instructor), or the
 *  actor may do nothing at all (unknown, suspended or inactive). `reason` is a stable word. */
export class ForbiddenError extends NexDriveError {
  constructor(
    message: string,
    readonly reason: 'not_permitted' | 'unknown_actor' | 'inactive_actor' | 'role_mismatch' = 'not_permitted',
  ) {
    super('FORBIDDEN', message);
  }
}

/** A database error translated to a stable code. `constraint` and `table` come from the server. */
export class DbError extends NexDriveError {
  declare readonly code: DbErrorCode;
  constructor(
    code: DbErrorCode,
    message: string,
    readonly sqlstate: string | undefined,
    readonly constraint: string | undefined,
    readonly table: string | undefined,
    cause: unknown,
    /** Facts our own triggers put in the error's DETAIL as JSON (e.g. blockingTasks), parsed. */
    readonly details: Record<string, unknown> | undefined = undefined,
  ) {
    super(code, message, { cause });
  }
}

interface PgErrorFields {
  code?: string;
  message?: string;
  constraint?: string;
  table?: string;
  detail?: string;
}

/** The driver's error (pg, PGlite or Neon), whether or not drizzle wrapped it. */
export function pgErrorFields(err: unknown): PgErrorFields | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as PgErrorFields).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return e as PgErrorFields;
  }
  return undefined;
}

/** The SQLSTATE of a database error, or undefined for anything else. */
export function sqlstateOf(err: unknown): string | undefined {
  return pgErrorFields(err)?.code;
}

const CODE_BY_SQLSTATE: Record<string, DbErrorCode> = {
  '23505': 'UNIQUE_VIOLATION',
  '23P01': 'EXCLUSION_VIOLATION',
  '23514': 'CHECK_VIOLATION',
  '23503': 'FOREIGN_KEY_VIOLATION',
  '23502': 'NOT_NULL_VIOLATION',
  '40001': 'SERIALIZATION_FAILURE',
  '40P01': 'SERIALIZATION_FAILURE',
  [NEXDRIVE_SQLSTATE.appendOnly]: 'APPEND_ONLY_VIOLATION',
  [NEXDRIVE_SQLSTATE.lessonFrozen]: 'LESSON_FROZEN',
  [NEXDRIVE_SQLSTATE.signatureRefused]: 'SIGNATURE_REFUSED',
  [NEXDRIVE_SQLSTATE.recordFrozen]: 'RECORD_FROZEN',
  [NEXDRIVE_SQLSTATE.parentLinkLimit]: 'PARENT_LINK_LIMIT',
  [NEXDRIVE_SQLSTATE.identityFrozen]: 'IDENTITY_FROZEN',
  [NEXDRIVE_SQLSTATE.competencyTransition]: 'INVALID_TRANSITION',
  [NEXDRIVE_SQLSTATE.prerequisitesNotMet]: 'PREREQUISITES_NOT_MET',
  [NEXDRIVE_SQLSTATE.nycCooldownActive]: 'NYC_COOLDOWN_ACTIVE',
  [NEXDRIVE_SQLSTATE.finalDriveLessonRequired]: 'FINAL_DRIVE_LESSON_REQUIRED',
  [NEXDRIVE_SQLSTATE.competencyRowMismatch]: 'COMPETENCY_ROW_MISMATCH',
  [NEXDRIVE_SQLSTATE.clockOverrideRefused]: 'CLOCK_OVERRIDE_REFUSED',
  [NEXDRIVE_SQLSTATE.certificateFrozen]: 'CERTIFICATE_FROZEN',
  [NEXDRIVE_SQLSTATE.certificateNotEligible]: 'CERTIFICATE_NOT_ELIGIBLE',
  [NEXDRIVE_SQLSTATE.bookingTransition]: 'INVALID_TRANSITION',
  [NEXDRIVE_SQLSTATE.bookingCancellation]: 'INVALID_CANCELLATION',
  [NEXDRIVE_SQLSTATE.bookingFrozen]: 'BOOKING_FROZEN',
  [NEXDRIVE_SQLSTATE.invoiceNumberRefused]: 'INVOICE_NUMBER_REFUSED',
  [NEXDRIVE_SQLSTATE.paymentTransition]: 'INVALID_TRANSITION',
  [NEXDRIVE_SQLSTATE.notPayable]: 'NOT_PAYABLE',
  [NEXDRIVE_SQLSTATE.contactTransition]: 'INVALID_TRANSITION',
  [NEXDRIVE_SQLSTATE.contactFirstTouch]: 'CONTACT_FIRST_TOUCH_FROZEN',
  [NEXDRIVE_SQLSTATE.parentInvitationFrozen]: 'RECORD_FROZEN',
  [NEXDRIVE_SQLSTATE.notificationTransition]: 'INVALID_TRANSITION',
  [NEXDRIVE_SQLSTATE.notificationFrozen]: 'RECORD_FROZEN',
  [NEXDRIVE_SQLSTATE.conversationTransition]: 'INVALID_TRANSITION',
  [NEXDRIVE_SQLSTATE.conversationFrozen]: 'RECORD_FROZEN',
};

/** Constraints whose violation has a domain meaning of its own. */
const CODE_BY_CONSTRAINT: Record<string, DbErrorCode> = {
  bookings_instructor_no_overlap_excl: 'BOOKING_OVERLAP',
  idx_bookings_no_overlap: 'BOOKING_OVERLAP',
  /** One gateway payment completes one payment (issue 10). */
  payments_gateway_payment_unique: 'DUPLICATE_GATEWAY_PAYMENT',
  /** One live contact per phone and per email (issue 17). */
  contacts_phone_live_unique: 'DUPLICATE_CONTACT',
  contacts_email_live_unique: 'DUPLICATE_CONTACT',
  /** One service per slug, one voucher per code (stored upper-case: unique case-insensitively) (issue 17). */
  services_slug_unique: 'DUPLICATE_SERVICE_SLUG',
  idx_services_slug: 'DUPLICATE_SERVICE_SLUG',
  vouchers_code_unique: 'DUPLICATE_VOUCHER_CODE',
  idx_vouchers_code: 'DUPLICATE_VOUCHER_CODE',
  /** Two active weekly rules of one instructor and day overlapping in dates and hours (issue 17, migration 0026). */
  availability_rules_no_overlap_excl: 'AVAILABILITY_OVERLAP',
  /** A provider's message id recorded for two notifications of one channel (issue 18). */
  notifications_channel_external_id_unique: 'DUPLICATE_EXTERNAL_ID',
};

/** Translates any error from a query into a typed error; errors that are already typed pass through. */
export function toDbError(err: unknown): NexDriveError {
  if (err instanceof NexDriveError) return err;
  const connection = connectionErrorOf(err);
  if (connection) return connection;
  const fields = pgErrorFields(err);
  if (!fields) {
    const message = err instanceof Error ? err.message : String(err);
    return new DbError('DATABASE_ERROR', message, undefined, undefined, undefined, err);
  }
  const code =
    (fields.constraint && CODE_BY_CONSTRAINT[fields.constraint]) ||
    CODE_BY_SQLSTATE[fields.code ?? ''] ||
    'DATABASE_ERROR';
  const where = fields.constraint ? ` (${fields.constraint})` : '';
  return new DbError(code, `${fields.message ?? 'database error'}${where}`, fields.code, fields.constraint, fields.table, err, jsonDetail(fields));
}

/** The DETAIL of one of our own errors (SQLSTATE class ND), when it is a JSON object. */
function jsonDetail(fields: PgErrorFields): Record<string, unknown> | undefined {
  if (!fields.code?.startsWith('ND') || !fields.detail?.startsWith('{')) return undefined;
  try {
    return JSON.parse(fields.detail) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Runs a database call and rethrows its failure as a typed error. */
export async function mapDbErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toDbError(err);
  }
}

// ─── Connection failures ───

export type ConnectionErrorCode =
  | 'DB_HOST_NOT_FOUND'
  | 'DB_CONNECTION_REFUSED'
  | 'DB_CONNECT_TIMEOUT'
  | 'DB_DATABASE_NOT_FOUND'
  | 'DB_AUTH_FAILED'
  | 'DB_CONNECTION_FAILED';

/** Where a connection attempt went (never the password), as the engines know it. */
export interface ConnectAttempt {
  host?: string;
  port?: number | string;
  database?: string | null;
  user?: string | null;
  /** How the driver reaches the server, e.g. "through WebSocket proxy 127.0.0.1:54330". */
  via?: string;
  timeoutMs?: number;
  /** The connect timeout fired during this attempt. */
  timedOut?: boolean;
}

/** The database server could not be reached or refused the session. The message names the server and what to check. */
export class ConnectionError extends NexDriveError {
  declare readonly code: ConnectionErrorCode;
  constructor(
    code: ConnectionErrorCode,
    message: string,
    /** host:port, or the socket path, of the server. */
    readonly server: string,
    cause: unknown,
  ) {
    super(code, message, { cause });
  }
}

const HOST_NOT_FOUND = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']);
const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);
const TIMEOUT_MESSAGE = /^timeout expired$|connection timeout|timeout exceeded when trying to connect/i;

/**
 * The ConnectionError an error is or wraps (drizzle wraps driver errors as `cause`; ws wraps them as
 * `error`). Otherwise, for a driver error that means "could not connect", a new one, naming `attempt`
 * when the caller knows it. With an attempt every error becomes one (it happened while connecting);
 * without one, errors that do not say "could not connect" give undefined.
 */
export function connectionErrorOf(err: unknown, attempt?: ConnectAttempt): ConnectionError | undefined {
  const chain: Array<Record<string, unknown>> = [];
  for (let e: unknown = err; e && typeof e === 'object' && chain.length < 5; ) {
    if (e instanceof ConnectionError) return e;
    const o = e as Record<string, unknown>;
    chain.push(o);
    e = o.cause ?? o.error;
  }
  const codes = chain.map((e) => e.code).filter((c): c is string => typeof c === 'string');
  const sys = chain.find((e) => typeof e.syscall === 'string') as { address?: string; port?: number; hostname?: string; syscall?: string } | undefined;
  const message = oneLine(chain.map((e) => e.message).find((m): m is string => typeof m === 'string' && m !== '') ?? String(err));
  const host = attempt?.host ?? sys?.hostname ?? sys?.address;
  const port = attempt?.port ?? sys?.port;
  const server = host?.startsWith('/')
    ? `socket ${host}/.s.PGSQL.${port ?? 5432}`
    : host
      ? `${host}${port ? `:${port}` : ''}`
      : 'the database server';
  const at = `${server}${attempt?.via ? ` ${attempt.via}` : ''}`;
  const make = (code: ConnectionErrorCode, text: string) => new ConnectionError(code, text, server, err);

  if (codes.includes('3D000')) {
    const what = attempt?.database ? `database "${attempt.database}" does not exist` : message;
    return make('DB_DATABASE_NOT_FOUND', `${what} on ${at}; check the database name in DATABASE_URL, or create the database`);
  }
  if (codes.includes('28P01') || codes.includes('28000')) {
    const who = attempt?.user ? ` for user "${attempt.user}"` : '';
    return make('DB_AUTH_FAILED', `authentication failed${who} on ${at} (the server says: ${message}); check the user name and password in DATABASE_URL`);
  }
  if (codes.some((c) => HOST_NOT_FOUND.has(c))) {
    return make('DB_HOST_NOT_FOUND', `cannot resolve the host "${host ?? '?'}" (port ${port ?? 5432})${attempt?.via ? ` ${attempt.via}` : ''}; check the host name in DATABASE_URL, and DNS or the network`);
  }
  if (codes.some((c) => REFUSED.has(c)) || (codes.includes('ENOENT') && sys?.syscall === 'connect')) {
    return make('DB_CONNECTION_REFUSED', `nothing accepts connections at ${at}; check that PostgreSQL is running and listening on that host and port`);
  }
  if (attempt?.timedOut || (attempt && codes.includes('ETIMEDOUT')) || TIMEOUT_MESSAGE.test(message)) {
    const limit = attempt?.timeoutMs ? ` within ${attempt.timeoutMs / 1000} s` : '';
    return make(
      'DB_CONNECT_TIMEOUT',
      `${at} did not complete the connection${limit}; check the host and port (a firewall may drop packets, or something else listens there), or raise DATABASE_CONNECT_TIMEOUT (seconds)`,
    );
  }
  if (!attempt) return undefined;
  return make('DB_CONNECTION_FAILED', `could not connect to ${at}: ${message}; check DATABASE_URL and that the server is up`);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * An embedded (PGlite) data folder is already open in another process, or earlier in this one.
 * PGlite keeps the database in its process's memory: a second process writing the same folder
 * would overwrite the first one's files. `holderPid` is the process holding the folder;
 * `servingUrl` is set when that process is `npm run db:serve` (createDb() connects through it).
 */
export class EmbeddedDbLockedError extends NexDriveError {
  constructor(
    message: string,
    readonly lockPath: string,
    readonly holderPid: number | undefined,
    readonly servingUrl: string | undefined,
  ) {
    super('EMBEDDED_DB_LOCKED', message);
  }
}
