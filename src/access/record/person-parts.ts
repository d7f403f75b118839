// What the school holds about one person, table by table (APP 12): each part names its table, says what
// it is, marks what is private (the school decides what to release), and selects the person's rows as
// whole rows (to_jsonb), so a column added later is exported without a change here.
// tests/person-data.test.ts enumerates the schema: every table with a column that names a person must
// have a part here.
import { type SQL, sql } from 'drizzle-orm';

export interface Person {
  studentId: string | null;
  userId: string | null;
  profileId: string | null;
  contactId: string | null;
}

export interface PersonPart {
  table: string;
  what: string;
  /** Private notes and internal records: held about the person, not necessarily theirs to receive. */
  private: boolean;
  /** The WHERE clause selecting the person's rows of `table` (alias t). */
  where: (p: Person) => SQL;
}

const sid = (p: Person) => sql`${p.studentId}::uuid`;
const uid = (p: Person) => sql`${p.userId}::text`;
/** The person's contact records: the one asked about, and any with their Clerk id. */
const contacts = (p: Person) => sql`(select c.id from contacts c where c.id = ${p.contactId}::uuid or c.user_id = ${p.userId}::text)`;
const conversations = (p: Person) => sql`(select v.id from conversations v where v.contact_id in ${contacts(p)} or v.user_id = ${uid(p)})`;
const lessonsOf = (p: Person) => sql`(select l.id from lessons l where l.student_id = ${sid(p)})`;

export const PERSON_PARTS: PersonPart[] = [
  { table: 'profiles', what: 'name, contact details, address and account status', private: false, where: (p) => sql`t.id = ${p.profileId}::uuid` },
  { table: 'students', what: 'the learner: licence, transmission, status, certificate', private: false, where: (p) => sql`t.id = ${sid(p)}` },
  { table: 'parent_student_links', what: "the supervising drivers linked to the learner and what each may see", private: false, where: (p) => sql`t.student_id = ${sid(p)}` },
  { table: 'parent_invitations', what: "invitations to the learner's parents, and those the person accepted", private: false, where: (p) => sql`t.student_id = ${sid(p)} or t.accepted_by = ${uid(p)}` },
  { table: 'contacts', what: 'CRM records (enquiries, source, notes)', private: true, where: (p) => sql`t.id in ${contacts(p)}` },
  { table: 'bookings', what: 'lessons booked, with pickup details', private: false, where: (p) => sql`t.student_id = ${sid(p)} or t.contact_id in ${contacts(p)}` },
  { table: 'lessons', what: 'the logbook (ACT Form 10.044): kept for the regulator', private: false, where: (p) => sql`t.student_id = ${sid(p)}` },
  { table: 'lesson_bridge_forms', what: 'bridge forms after each lesson', private: false, where: (p) => sql`t.student_id = ${sid(p)}` },
  { table: 'signatures', what: 'signatures the person gave, and those on their lessons: kept for the regulator', private: false, where: (p) => sql`t.signer_id = ${uid(p)} or (t.document_type = 'lesson' and t.document_id in ${lessonsOf(p)})` },
  { table: 'student_competencies', what: 'CBT&A competency records: kept for the regulator', private: false, where: (p) => sql`t.student_id = ${sid(p)}` },
  { table: 'self_assessments', what: "the learner's own confidence ratings", private: false, where: (p) => sql`t.student_id = ${sid(p)}` },
  { table: 'private_notes', what: "instructors' private coaching notes (PRIVATE: the school decides whether to release them)", private: true, where: (p) => sql`t.student_id = ${sid(p)}` },
  { table: 'payments', what: 'payments, refunds and invoice numbers', private: false, where: (p) => sql`t.student_id = ${sid(p)} or t.contact_id in ${contacts(p)}` },
  { table: 'student_packages', what: 'lesson packages and credits', private: false, where: (p) => sql`t.student_id = ${sid(p)}` },
  { table: 'waitlist', what: 'waitlist requests', private: false, where: (p) => sql`t.student_id = ${sid(p)} or t.contact_id in ${contacts(p)}` },
  { table: 'notifications', what: 'messages the school sent (SMS, email, push)', private: false, where: (p) => sql`t.recipient_id = ${uid(p)} or t.recipient_contact_id in ${contacts(p)}` },
  { table: 'notification_preferences', what: "which messages the person turned off, and a STOP reply from their number", private: false, where: (p) => sql`t.user_id = ${uid(p)} or t.phone in (select c.phone from contacts c where c.id in ${contacts(p)})` },
  { table: 'conversations', what: 'conversations with the AI channels and staff', private: false, where: (p) => sql`t.id in ${conversations(p)}` },
  { table: 'messages', what: 'the messages of those conversations', private: false, where: (p) => sql`t.conversation_id in ${conversations(p)}` },
  { table: 'call_logs', what: 'phone calls, with transcripts and summaries', private: false, where: (p) => sql`t.contact_id in ${contacts(p)} or t.conversation_id in ${conversations(p)}` },
  {
    table: 'audit_log',
    what: "the school's audit entries about the person or by them (internal)",
    private: true,
    // Each subject by its type, and ids as arrays (= ANY(ARRAY(...))): so the planner can answer from
    // idx_audit_actor and idx_audit_subject (subject_type, subject_id) instead of reading the whole log.
    where: (p) => {
      const about = (type: string, ids: SQL) => sql`(t.subject_type = ${type} and t.subject_id = any(array${ids}))`;
      return sql`t.actor_id = ${uid(p)}
        or ${about('student', sql`(select ${sid(p)})`)}
        or ${about('profile', sql`(select ${p.profileId}::uuid)`)}
        or ${about('lesson', lessonsOf(p))}
        or ${about('contact', contacts(p))}
        or ${about('booking', sql`(select b.id from bookings b where b.student_id = ${sid(p)} or b.contact_id in ${contacts(p)})`)}
        or ${about('payment', sql`(select y.id from payments y where y.student_id = ${sid(p)} or y.contact_id in ${contacts(p)})`)}
        or ${about('student_package', sql`(select k.id from student_packages k where k.student_id = ${sid(p)})`)}
        or ${about('waitlist', sql`(select w.id from waitlist w where w.student_id = ${sid(p)} or w.contact_id in ${contacts(p)})`)}`;
    },
  },
];
