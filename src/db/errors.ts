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

/** Input that fails validation before any SQL runs. Nothing was written. */
export class ValidationError extends NexDriveError {
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super('VALIDATION_ERROR', message);
  }
}

export class NotFoundError extends NexDriveError {
  constructor(message: string) {
    super('NOT_FOUND', message);
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
};

/** Constraints whose violation has a domain meaning of its own. */
const CODE_BY_CONSTRAINT: Record<string, DbErrorCode> = {
  bookings_instructor_no_overlap_excl: 'BOOKING_OVERLAP',
  idx_bookings_no_overlap: 'BOOKING_OVERLAP',
};

/** Translates any error from a query into a typed error; errors that are already typed pass through. */
export function toDbError(err: unknown): NexDriveError {
  if (err instanceof NexDriveError) return err;
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
  return new DbError(code, `${fields.message ?? 'database error'}${where}`, fields.code, fields.constraint, fields.table, err);
}

/** Runs a database call and rethrows its failure as a typed error. */
export async function mapDbErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toDbError(err);
  }
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
