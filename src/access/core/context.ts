// The context an operation runs in: its transaction, the resolved actor, and the checks that decide,
// by the access matrix (./rights.ts), what the actor may see and do. Every operation must pass one of
// these checks before it returns (defineOperation enforces that), so none can forget the rights.
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Transaction } from '../../db/engines/handle.js';
import { ForbiddenError, NotFoundError } from '../../db/errors.js';
import { bookings, lessons, parentStudentLinks, students } from '../../db/schema/index.js';
import type { Lesson, ParentStudentLink, Student } from '../../db/types.js';
import { columnOf, type MatrixColumn, type ResolvedActor } from './actor.js';
import { RIGHTS, type Cell, type OperationName, type ParentFlag, type Right } from './rights.js';

/** A student the actor may act on, with the parent's link when the actor is a parent. */
export interface ScopedStudent {
  readonly student: Student;
  readonly parentLink: ParentStudentLink | null;
}

/** The link flags a parent needs for each ParentFlag, as SQL column names (for list conditions). */
const FLAG_COLUMN: Record<ParentFlag, keyof typeof parentStudentLinks.$inferSelect> = {
  canViewProgress: 'canViewProgress',
  canViewBookings: 'canViewBookings',
  canViewPayments: 'canViewPayments',
  canViewLessonNotes: 'canViewLessonNotes',
  canViewBridgeForms: 'canViewBridgeForms',
  canBookLessons: 'canBookLessons',
};

/** How ctx.student() locks the student's row: FOR UPDATE (true), FOR KEY SHARE, or not at all. */
export type StudentLock = boolean | 'key share';

export class OperationContext {
  /** Set by the checks below; defineOperation refuses to return a result without it. */
  authorized = false;

  constructor(
    readonly tx: Transaction,
    readonly actor: ResolvedActor,
    readonly operation: OperationName,
  ) {}

  get right(): Right {
    return RIGHTS[this.operation];
  }

  /** The actor's column of the matrix: its kind, or for a system actor its lane (job, webhook, agent, cli). */
  get column(): MatrixColumn {
    return columnOf(this.actor);
  }

  private cell(): Cell {
    return this.right[this.column];
  }

  private applyCell(what: string): void {
    const cell = this.cell();
    if (cell === 'hidden') throw new NotFoundError(`${what} not found`);
    if (cell === 'forbid') throw new ForbiddenError(`${this.column} may not ${this.operation}`);
    this.authorized = true;
  }

  /** A school-wide operation (no one student): the actor's cell decides. */
  school(): void {
    this.applyCell(this.operation);
  }

  /**
   * A check by the operation's own rule where no cell of the matrix fits, for what concerns no student
   * (a prospect's booking, issue 9: admins, agents and jobs only). Other columns: FORBIDDEN.
   */
  only(columns: readonly MatrixColumn[], what: string): void {
    if (!columns.includes(this.column)) throw new ForbiddenError(`${this.column} may not ${what}`);
    this.authorized = true;
  }

  /** The parent flag this operation needs (canViewProgress where the matrix names none). */
  private get parentFlag(): ParentFlag {
    return this.right.parentNeeds ?? 'canViewProgress';
  }

  /**
   * The student this operation acts on. NOT_FOUND if the actor cannot see them (or the data is
   * hidden from this kind of actor), FORBIDDEN if it can see them but may not do this.
   * `lock` takes the student row FOR UPDATE, to serialize writes about one student ('key share': only
   * keeps it from being deleted or re-keyed, as a new row's foreign key to it would).
   */
  async student(studentId: string, options: { lock?: StudentLock } = {}): Promise<ScopedStudent> {
    return this.studentWhere(eq(students.id, studentId), `student ${studentId}`, options);
  }

  /**
   * The student of a booking, checked like student() and found in the same statement (a prospect's
   * booking has none: NOT_FOUND, as for a booking the actor cannot see).
   */
  async studentOfBooking(bookingId: string, options: { lock?: StudentLock } = {}): Promise<ScopedStudent> {
    const ofBooking = sql`${students.id} = (select b.student_id from ${bookings} b where b.id = ${bookingId})`;
    return this.studentWhere(ofBooking, `booking ${bookingId}`, options);
  }

  /**
   * The student of a payment, checked like student() and found in the same statement; null when there
   * is no such payment or it has no student (a prospect's): the caller tells those apart.
   */
  async studentOfPayment(paymentId: string, options: { lock?: StudentLock } = {}): Promise<ScopedStudent | null> {
    const row = await this.studentRow(sql`${students.id} = (select p.student_id from payments p where p.id = ${paymentId})`, options);
    return row ? this.scope(row, `payment ${paymentId}`) : null;
  }

  private async studentWhere(where: SQL, what: string, options: { lock?: StudentLock }): Promise<ScopedStudent> {
    return this.scope(await this.studentRow(where, options), what);
  }

  private async studentRow(where: SQL, { lock }: { lock?: StudentLock }): Promise<{ student: Student; link: ParentStudentLink | null } | undefined> {
    const query = this.tx.select({ student: students, link: parentStudentLinks }).from(students).leftJoin(parentStudentLinks, this.ownLink()).where(where);
    const [row] = await (lock ? query.for(lock === 'key share' ? 'key share' : 'update', { of: students }) : query);
    return row;
  }

  /** A lesson and its student, checked like student(), in one statement; the lesson row is locked when `lock`. */
  async lesson(lessonId: string, options: { lock?: boolean } = {}): Promise<ScopedStudent & { lesson: Lesson }> {
    const query = this.tx
      .select({ lesson: lessons, student: students, link: parentStudentLinks })
      .from(lessons)
      .innerJoin(students, eq(students.id, lessons.studentId))
      .leftJoin(parentStudentLinks, this.ownLink())
      .where(eq(lessons.id, lessonId));
    const [row] = await (options.lock ? query.for('update', { of: lessons }) : query);
    // The lesson, not its student, is what the caller asked for.
    return { ...this.scope(row, `lesson ${lessonId}`), lesson: row!.lesson };
  }

  /**
   * A student loaded with the row an operation asked for (one statement, issue 20): joined as `students`,
   * with `parent_student_links` left-joined on ownLink(). Checked exactly as student() checks it.
   */
  scopeJoined(row: { student: Student | null; link: ParentStudentLink | null }, what: string): ScopedStudent {
    return this.scope(row.student ? { student: row.student, link: row.link } : undefined, what);
  }

  /** The join condition for the acting parent's own link to `students` (no row for anyone else). */
  ownLink(): SQL {
    const a = this.actor;
    return a.kind === 'parent' ? and(eq(parentStudentLinks.studentId, students.id), eq(parentStudentLinks.parentId, a.parentId))! : sql`false`;
  }

  /** Decides whether the actor sees the student of `row` (loaded with its own link), then applies the cell. */
  private scope(row: { student: Student; link: ParentStudentLink | null } | undefined, what: string): ScopedStudent {
    const notFound = () => new NotFoundError(`${what} not found`);
    if (!row) throw notFound();
    const { student } = row;
    const a = this.actor;
    const sees =
      a.kind === 'admin' || a.kind === 'system' ? true
      : a.kind === 'instructor' ? student.instructorId === a.instructorId
      : a.kind === 'student' ? student.id === a.studentId
      : row.link !== null && row.link.status === 'active' && student.parentVisibility && row.link[this.parentFlag];
    if (!sees) throw notFound();
    this.applyCell(what);
    return { student, parentLink: a.kind === 'parent' ? row.link : null };
  }

  /**
   * For lists over many students: a condition on `students` that keeps exactly the students this
   * actor may see for this operation (the same rules as student()). Hidden data gives no rows.
   */
  visibleStudents(): SQL {
    const cell = this.cell();
    if (cell === 'forbid') throw new ForbiddenError(`${this.column} may not ${this.operation}`);
    this.authorized = true;
    if (cell === 'hidden') return sql`false`;
    const a = this.actor;
    switch (a.kind) {
      case 'admin':
      case 'system':
        return sql`true`;
      case 'instructor':
        return eq(students.instructorId, a.instructorId);
      case 'student':
        return eq(students.id, a.studentId);
      case 'parent': {
        const flag = parentStudentLinks[FLAG_COLUMN[this.parentFlag]];
        return sql`${students.parentVisibility} and exists (
          select 1 from ${parentStudentLinks}
           where ${parentStudentLinks.studentId} = ${students.id} and ${parentStudentLinks.parentId} = ${a.parentId}
             and ${parentStudentLinks.status} = 'active' and ${flag})`;
      }
    }
  }
}
