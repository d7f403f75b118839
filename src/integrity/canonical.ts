// The canonical form of a chained row, in TypeScript, written from docs/integrity.md and not from the
// SQL that the triggers use, so that verify is an independent second implementation.
//
// A row's canonical text is a sequence of fields. Each field is a netstring: the value's UTF-8 byte
// length in decimal, ':', the value, ','. NULL is '~,' (a netstring always starts with a digit, so NULL
// never equals any string, 'SYSTEM' and '' included). record_hash = lowercase hex sha256 of the
// canonical text's UTF-8 bytes.
import { hash } from 'node:crypto';

export type ChainTable = 'audit_log' | 'signatures' | 'student_competencies';

/** How a column is rendered: `text` is PostgreSQL's own text output (uuid, integer, boolean, numeric,
 *  inet, jsonb are all independent of session settings); `timestamp` is UTC with microseconds. */
export type FieldKind = 'text' | 'timestamp';

export interface CanonicalForm {
  /** The first field of every row: names the table and the version of the form. */
  label: string;
  /** Columns in canonical order, after the label. */
  fields: ReadonlyArray<{ column: string; kind: FieldKind }>;
}

/** Erasable personal values (audit_log v2): the row hashes `digestColumn`, the sha256 of `form`
 *  (a random salt, then the values); an erasure clears the values and the salt and keeps the digest. */
export interface PersonalForm extends CanonicalForm {
  digestColumn: string;
  saltColumn: string;
}

export interface ChainDefinition extends CanonicalForm {
  table: ChainTable;
  /** The column that separates chains within the table (one chain per student), or null for one chain. */
  chainKey: string | null;
  /** Later versions of the form, by the row's `canonical_version` (the form above is version 1). */
  versions?: Readonly<Record<string, CanonicalForm>>;
  /** The personal values a later version hashes through a salted digest. */
  personal?: PersonalForm;
}

const t = (column: string) => ({ column, kind: 'text' as const });
const ts = (column: string) => ({ column, kind: 'timestamp' as const });

export const CHAINS: Readonly<Record<ChainTable, ChainDefinition>> = {
  audit_log: {
    table: 'audit_log',
    label: 'nexdrive.audit_log.v1',
    chainKey: null,
    fields: [
      t('chain_position'), t('previous_hash'), t('id'), t('event_type'), t('severity'), t('actor_id'),
      t('actor_role'), t('subject_type'), t('subject_id'), t('details'), t('ip_address'), t('user_agent'),
      t('gps_latitude'), t('gps_longitude'), ts('created_at'),
    ],
    versions: {
      // Migration 0030: the personal values are hashed through personal_digest, so an erasure can
      // clear them (docs/integrity.md, docs/privacy.md).
      '2': {
        label: 'nexdrive.audit_log.v2',
        fields: [
          t('chain_position'), t('previous_hash'), t('id'), t('event_type'), t('severity'), t('actor_id'),
          t('actor_role'), t('subject_type'), t('subject_id'), t('details'), t('personal_digest'), ts('created_at'),
        ],
      },
    },
    personal: {
      label: 'nexdrive.audit_log.personal.v2',
      digestColumn: 'personal_digest',
      saltColumn: 'personal_salt',
      fields: [t('personal_salt'), t('ip_address'), t('user_agent'), t('gps_latitude'), t('gps_longitude'), t('personal_details')],
    },
  },
  signatures: {
    table: 'signatures',
    label: 'nexdrive.signatures.v1',
    chainKey: null,
    fields: [
      t('chain_position'), t('previous_hash'), t('id'), t('signer_id'), t('signer_role'), t('document_type'),
      t('document_id'), t('signature_url'), ts('timestamp_utc'), t('ip_address'), t('user_agent'),
      t('device_info'), t('gps_latitude'), t('gps_longitude'), ts('created_at'),
    ],
  },
  student_competencies: {
    table: 'student_competencies',
    label: 'nexdrive.student_competencies.v1',
    chainKey: 'student_id',
    fields: [
      t('student_id'), t('chain_position'), t('previous_hash'), t('id'), t('task_id'), t('instructor_id'),
      t('status'), t('transmission'), ts('status_changed_at'), t('lesson_id'), t('signed_by_instructor'),
      t('signed_by_student'), t('signature_id'), ts('created_at'),
    ],
  },
};

export const CHAIN_TABLES = Object.keys(CHAINS) as ChainTable[];

/** One field of the canonical form. */
export function canonicalField(value: string | null): string {
  return value === null ? '~,' : `${Buffer.byteLength(value, 'utf8')}:${value},`;
}

const MICROS_PER_SECOND = 1_000_000n;

/** Microseconds since 1970-01-01T00:00:00Z -> 'YYYY-MM-DDTHH:MM:SS.ffffffZ'. Exact: no float, no Date rounding. */
export function canonicalTimestamp(epochMicros: bigint): string {
  let micros = epochMicros % MICROS_PER_SECOND;
  if (micros < 0n) micros += MICROS_PER_SECOND;
  const seconds = (epochMicros - micros) / MICROS_PER_SECOND;
  const iso = new Date(Number(seconds) * 1000).toISOString(); // whole seconds: exact
  return `${iso.slice(0, 19)}.${micros.toString().padStart(6, '0')}Z`;
}

// The 'YYYY-MM-DDTHH:MM:SS' of the last whole second seen: rows of a chain arrive in time order, so
// consecutive rows usually share it.
let lastSecondsText = '';
let lastSecondsPrefix = '';

/**
 * canonicalTimestamp(BigInt(text)) for epoch microseconds given as decimal text, with the same result
 * (and the same errors) for every input. A non-negative value of 7 to 16 digits (1970-01-01T00:00:01Z
 * to the year 2286) takes a fast path without BigInt: the last six digits are already the
 * zero-padded microseconds, and the rest are the whole seconds, exact as a Number.
 */
export function canonicalTimestampFromText(epochMicros: string): string {
  const length = epochMicros.length;
  if (length >= 7 && length <= 16) {
    let i = 0;
    while (i < length) {
      const c = epochMicros.charCodeAt(i);
      if (c < 48 || c > 57) break;
      i++;
    }
    if (i === length) {
      const secondsText = epochMicros.slice(0, length - 6);
      if (secondsText !== lastSecondsText) {
        lastSecondsPrefix = new Date(Number(secondsText) * 1000).toISOString().slice(0, 19);
        lastSecondsText = secondsText;
      }
      return `${lastSecondsPrefix}.${epochMicros.slice(length - 6)}Z`;
    }
  }
  return canonicalTimestamp(BigInt(epochMicros));
}

/** The form a row was written in: its canonical_version's, or version 1. */
export function formOf(chain: ChainDefinition, row: Record<string, string | null>): CanonicalForm {
  const version = row.canonical_version;
  if (!chain.versions || version === undefined || version === null || version === '1') return chain;
  const form = chain.versions[version];
  if (!form) throw new Error(`${chain.table}: unknown canonical_version ${version}`);
  return form;
}

/** The canonical text of one row, given each field's value as fetched (timestamps as epoch microseconds). */
export function canonicalText(form: CanonicalForm, row: Record<string, string | null>): string {
  let text = canonicalField(form.label);
  for (const { column, kind } of form.fields) {
    const raw = row[column] ?? null;
    text += canonicalField(raw === null || kind === 'text' ? raw : canonicalTimestampFromText(raw));
  }
  return text;
}

/** Lowercase hex SHA-256 of the text's UTF-8 bytes. crypto.hash (Node 20.12+, and this package needs
 *  20.19) hashes in one call without a Hash object per row: measured about 1.5x createHash(). */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

export function recordHash(chain: ChainDefinition, row: Record<string, string | null>): string {
  return sha256Hex(canonicalText(formOf(chain, row), row));
}

/** Every column the chain's forms read, in a stable order (the version column first, if any). */
export function chainColumns(chain: ChainDefinition): ReadonlyArray<{ column: string; kind: FieldKind }> {
  const seen = new Map<string, FieldKind>();
  if (chain.versions) seen.set('canonical_version', 'text');
  for (const form of [chain, ...Object.values(chain.versions ?? {}), ...(chain.personal ? [chain.personal] : [])]) {
    for (const { column, kind } of form.fields) if (!seen.has(column)) seen.set(column, kind);
  }
  return [...seen].map(([column, kind]) => ({ column, kind }));
}

/**
 * Why a row's personal values do not match what its hash covers, or null when they do. A version-1
 * row has no digest: the personal columns of later versions must be empty. A later row with its salt
 * must have the digest of its salt and values; a row without a salt (never had personal values, or
 * erased) must have no values left.
 */
export function personalMismatch(chain: ChainDefinition, row: Record<string, string | null>): string | null {
  const personal = chain.personal;
  if (!personal) return null;
  const form = formOf(chain, row);
  if (form === chain) {
    return row[personal.digestColumn] !== null || row[personal.saltColumn] !== null || row.personal_details !== null
      ? `a version-1 row holds ${personal.digestColumn}, ${personal.saltColumn} or personal_details, which only later versions have`
      : null;
  }
  if (row[personal.saltColumn] === null) {
    // (a loop, not filter/map: this runs for every row verify reads, and allocates nothing when clean)
    for (const { column } of personal.fields) {
      if (row[column] !== null) {
        const left = personal.fields.filter((f) => row[f.column] !== null).map((f) => f.column);
        return `personal values without a salt (${left.join(', ')}): they are not covered by ${personal.digestColumn}`;
      }
    }
    return null;
  }
  const expected = sha256Hex(canonicalText(personal, row));
  return expected === row[personal.digestColumn] ? null : `personal values do not match ${personal.digestColumn}`;
}
