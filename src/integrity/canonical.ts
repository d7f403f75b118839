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

export interface ChainDefinition {
  table: ChainTable;
  /** The first field of every row: names the table and the version of the form. */
  label: string;
  /** The column that separates chains within the table (one chain per student), or null for one chain. */
  chainKey: string | null;
  /** Columns in canonical order, after the label. */
  fields: ReadonlyArray<{ column: string; kind: FieldKind }>;
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

/** The canonical text of one row, given each field's value as fetched (timestamps as epoch microseconds). */
export function canonicalText(chain: ChainDefinition, row: Record<string, string | null>): string {
  let text = canonicalField(chain.label);
  for (const { column, kind } of chain.fields) {
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
  return sha256Hex(canonicalText(chain, row));
}
