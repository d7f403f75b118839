// Issue 17, "Done when": every table the application may write (nexdrive_app has INSERT or UPDATE on
// it) is written by at least one exported operation, so the app never writes a table outside the
// rights, the validation and the audit. WRITERS names them; OPEN lists the tables whose operations
// are still to come, with the issue that brings them. The test fails when a table the app may write
// is in neither, when a named operation is not exported, or when a table is in both.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as access from '../src/access/index.js';
import { queryRows } from '../src/db/sql.js';
import { ALL_TABLE_NAMES } from '../src/db/tables.js';
import { openTestDb, type TestDb } from './support/db.js';

/** table -> the exported operations that INSERT or UPDATE it. */
const WRITERS: Record<string, readonly string[]> = {
  audit_log: ['recordLesson', 'createContact', 'createBooking'], // every operation appends; a few named
  contacts: ['createContact', 'findOrCreateContact', 'updateContact', 'recordInteraction', 'setLifecycleStage', 'deleteContact', 'recordInboundMessage', 'recordCall', 'syncClerkUser', 'convertContact'],
  profiles: ['linkInstructor', 'syncClerkUser', 'convertContact', 'acceptParentInvitation'],
  instructors: ['linkInstructor'],
  students: ['issueCertificate', 'convertContact'],
  parent_student_links: ['setParentPermissions', 'acceptParentInvitation', 'revokeParentLink'],
  bookings: ['createBooking', 'confirmBooking', 'startBooking', 'cancelBooking', 'rescheduleBooking', 'completePayment', 'redeemCredit', 'refundPayment'],
  lessons: ['recordLesson', 'recordLessonCorrection', 'signLessonAsInstructor', 'signLessonAsStudent', 'disputeLesson'],
  signatures: ['signLessonAsInstructor', 'signLessonAsStudent', 'recordCompetencyChange', 'recordCompetencyChanges'],
  student_competencies: ['recordCompetencyChange', 'recordCompetencyChanges'],
  payments: ['startPayment', 'recordManualPayment', 'completePayment', 'failPayment', 'expirePendingPayments', 'refundPayment', 'redeemCredit', 'returnCredit'],
  student_packages: ['completePayment', 'redeemCredit', 'returnCredit', 'expirePackages', 'refundPayment'],
  private_notes: ['addPrivateNote'],
  rag_documents: ['indexDocument', 'archiveDocument'],
  rag_chunks: ['indexDocument'],
  lesson_bridge_forms: ['createBridgeForm', 'setBridgeFormVisibility'],
  self_assessments: ['startSelfAssessment', 'submitSelfAssessment', 'markSelfAssessmentReviewed'],
  availability_rules: ['setAvailabilityRules'],
  availability_overrides: ['addAvailabilityOverride', 'removeAvailabilityOverride'],
  services: ['createService', 'updateService', 'deactivateService'],
  packages: ['createPackage', 'updatePackage', 'deactivatePackage'],
  vouchers: ['createVoucher', 'updateVoucher', 'deactivateVoucher', 'completePayment'],
  waitlist: ['joinWaitlist', 'leaveWaitlist'],
  parents: ['acceptParentInvitation'],
  parent_invitations: ['inviteParent', 'acceptParentInvitation', 'revokeParentLink'],
  notifications: ['enqueueNotification', 'claimNotifications', 'markNotificationSent', 'markNotificationFailed', 'recordDeliveryStatus'],
  notification_preferences: ['setNotificationPreference', 'recordInboundMessage'],
  conversations: ['recordInboundMessage'],
  messages: ['recordInboundMessage'],
  call_logs: ['recordCall'],
};

/** Tables the app may write that no operation writes yet, and the issue that closes each. */
const OPEN: Record<string, string> = {
};

let owner: TestDb;
beforeAll(async () => {
  owner = await openTestDb();
});
afterAll(async () => {
  await owner?.dispose();
});

describe('every table the application writes has an operation that writes it', () => {
  it('names only exported operations', () => {
    const exported = new Set(Object.keys(access));
    const missing = Object.values(WRITERS).flat().filter((name) => !exported.has(name));
    expect(missing).toEqual([]);
  });

  it('lists no table both as written and as open, and only tables of the schema', () => {
    const both = Object.keys(OPEN).filter((t) => t in WRITERS);
    expect(both).toEqual([]);
    const unknown = [...Object.keys(WRITERS), ...Object.keys(OPEN)].filter((t) => !ALL_TABLE_NAMES.includes(t as never));
    expect(unknown).toEqual([]);
  });

  it('covers every table nexdrive_app may INSERT or UPDATE', async () => {
    const rows = await queryRows<{ table_name: string }>(owner.db, sql`
      select t.table_name::text from unnest(${`{${ALL_TABLE_NAMES.join(',')}}`}::text[]) t(table_name)
      where has_table_privilege('nexdrive_app', format('public.%I', t.table_name), 'INSERT')
         or has_table_privilege('nexdrive_app', format('public.%I', t.table_name), 'UPDATE')`);
    const writable = rows.map((r) => r.table_name).sort();
    const uncovered = writable.filter((t) => !(t in WRITERS) && !(t in OPEN));
    expect(uncovered).toEqual([]);
    // a table listed as written must be writable, or the list is stale
    const stale = Object.keys(WRITERS).filter((t) => !writable.includes(t));
    expect(stale).toEqual([]);
  });
});
