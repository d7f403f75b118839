// The learner's record's refusals, with stable codes callers act on.
import { NexDriveError } from '../../db/errors.js';

/** A bridge form is written only after the instructor has signed the lesson. */
export class LessonNotSignedError extends NexDriveError {
  constructor(message: string) {
    super('LESSON_NOT_SIGNED', message);
  }
}

/** One bridge form per lesson (lesson_bridge_forms.lesson_id is unique too). */
export class BridgeFormExistsError extends NexDriveError {
  constructor(message: string) {
    super('BRIDGE_FORM_EXISTS', message);
  }
}

/** A person with lessons still to come is not erased: cancel them first (their pickup details are
 *  still needed). */
export class PersonStillActiveError extends NexDriveError {
  constructor(message: string, readonly upcomingBookingIds: string[]) {
    super('PERSON_STILL_ACTIVE', message);
  }
}

/** erasePerson erases learners and contacts: a contact that carries an instructor's or an admin's
 *  Clerk id would reach that staff member's own records. */
export class PersonIsStaffError extends NexDriveError {
  constructor(message: string) {
    super('PERSON_IS_STAFF', message);
  }
}
