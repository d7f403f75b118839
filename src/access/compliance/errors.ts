// The compliance errors callers act on, with the facts they need: which tasks block an assessment,
// when a cooldown ends, which tasks a certificate still needs. The database raises them (migration
// 0017, facts in the error's DETAIL); toComplianceError gives them their own classes.
import { DbError, NexDriveError } from '../../db/errors.js';

export class PrerequisitesNotMetError extends NexDriveError {
  constructor(message: string, readonly taskNumber: number, readonly blockingTasks: number[], cause?: unknown) {
    super('PREREQUISITES_NOT_MET', message, { cause });
  }
}

export class NycCooldownActiveError extends NexDriveError {
  constructor(message: string, readonly taskNumber: number, readonly endsAt: Date, cause?: unknown) {
    super('NYC_COOLDOWN_ACTIVE', message, { cause });
  }
}

export class CertificateNotEligibleError extends NexDriveError {
  /** `reason`: why, when it is more than missing tasks (a suspension, the final drive's lesson as it stands). */
  constructor(message: string, readonly missingTasks: number[], cause?: unknown, readonly reason: string | null = null) {
    super('CERTIFICATE_NOT_ELIGIBLE', message, { cause });
  }
}

export class CertificateAlreadyIssuedError extends NexDriveError {
  constructor(message: string, readonly certificateNumber: string) {
    super('CERTIFICATE_ALREADY_ISSUED', message);
  }
}

/** The richer class for a compliance error raised by the database; anything else passes through. */
export function toComplianceError(err: NexDriveError): NexDriveError {
  if (!(err instanceof DbError) || !err.details) return err;
  const d = err.details;
  switch (err.code) {
    case 'PREREQUISITES_NOT_MET':
      return new PrerequisitesNotMetError(err.message, Number(d.taskNumber), (d.blockingTasks as number[]) ?? [], err);
    case 'NYC_COOLDOWN_ACTIVE':
      return new NycCooldownActiveError(err.message, Number(d.taskNumber), new Date(String(d.endsAt)), err);
    case 'CERTIFICATE_NOT_ELIGIBLE':
      return new CertificateNotEligibleError(err.message, (d.missingTasks as number[]) ?? [], err, typeof d.reason === 'string' ? d.reason : null);
    default:
      return err;
  }
}
