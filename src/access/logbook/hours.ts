// The logbook's hours: one query, shared by getStudentContext (what the agents may tell a student) and
// getLogbookSummary (the student portal), so the two can never disagree.
import { sql } from 'drizzle-orm';
import type { DatabaseOrTransaction } from '../../db/engines/handle.js';
import { queryRows } from '../../db/sql.js';

export interface LogbookHours {
  /** Lessons counted, one per lesson number. */
  lessons: number;
  /** Minutes actually driven (end - start) over the counted lessons. */
  totalMinutes: number;
  /** The logbook's 30-minute periods over the counted lessons. */
  roundedMinutes: number;
  /** roundedMinutes in hours. */
  hours: number;
}

/**
 * The logbook's lessons: completed rows, one per lesson number. A row that a completed correction
 * corrects does not count; of what is left for one number (a correction of a correction, two
 * corrections of one lesson), the newest record counts. A correction that is a draft, awaits the
 * student or was disputed replaces nothing. rounded_minutes is the logbook's 30-minute periods.
 */
const logbookSql = (studentId: string) => sql`
  select count(*)::int as lessons,
         coalesce(sum(total_minutes), 0)::int as total_minutes,
         coalesce(sum(rounded_minutes), 0)::int as rounded_minutes
    from (select distinct on (l.lesson_number) l.total_minutes, coalesce(l.rounded_minutes, 0) as rounded_minutes
            from lessons l
           where l.student_id = ${studentId} and l.status = 'completed'
             and not exists (select 1 from lessons c where c.correction_of = l.id and c.status = 'completed')
           order by l.lesson_number, l.created_at desc, l.id desc) as counted`;

export async function loadLogbookHours(tx: DatabaseOrTransaction, studentId: string): Promise<LogbookHours> {
  const [row] = await queryRows<{ lessons: number; total_minutes: number; rounded_minutes: number }>(tx, logbookSql(studentId));
  return { lessons: row.lessons, totalMinutes: row.total_minutes, roundedMinutes: row.rounded_minutes, hours: row.rounded_minutes / 60 };
}
