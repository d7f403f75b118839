// Errors the people operations decide in TypeScript (issue 17), each with a stable code. The database's
// own (PARENT_LINK_LIMIT ND005, RECORD_FROZEN ND042 for a used invitation) are mapped in src/db/errors.ts.
import { NexDriveError } from '../../db/errors.js';

/** A contact that cannot become a student as it stands (not qualified, no instructor, another person's account). */
export class ContactNotConvertibleError extends NexDriveError {
  constructor(message: string) {
    super('CONTACT_NOT_CONVERTIBLE', message);
  }
}

/** An invitation token that is unknown, used, revoked or expired. One code for all: the caller learns
 *  nothing about which tokens exist. */
export class InvitationInvalidError extends NexDriveError {
  constructor() {
    super('INVITATION_INVALID', 'this invitation is not valid: it may have been used, withdrawn or have expired; ask for a new one');
  }
}

