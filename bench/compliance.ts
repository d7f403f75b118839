// Benchmark section: CBT&A progress (issue 8).
//   - getStudentProgress for one student with 500 competency rows, beside the bare SELECT of the same
//     rows (the student's competency rows joined to their tasks);
//   - getInstructorProgressSummary for all 200 students of one instructor, beside the bare SELECT of
//     the same rows (every competency row of those students).
// Each timing is the median of BENCH_PROGRESS_ROUNDS calls (default 50) after 5 warm-up calls, on one
// connection. The rows are generated with the rules triggers switched off (as the owner, in this
// throwaway database): 500 rows of one student cannot be written through the rules in a benchmark's
// time (the cooldown alone is 36 hours), and the reads do not depend on how the rows were written.
import { sql } from 'drizzle-orm';
import { getInstructorProgressSummary, getStudentProgress, systemActor } from '../src/access/index.js';
import type { Database } from '../src/db/engines/handle.js';
import { queryRows } from '../src/db/sql.js';
import { fixed, int, median, positiveInt } from './measure.js';
import type { SummaryRow } from './report.js';

const ROUNDS = positiveInt('BENCH_PROGRESS_ROUNDS', 50);
const WARMUP = 5;
const STATUSES = ['taught', 'assessed', 'not_yet_competent', 'assessed', 'competent'] as const;
const actor = systemActor('cron:bench-compliance');

async function timed(run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** One instructor, `students` students, `rowsEach` competency rows each (cycling tasks and statuses). */
async function seed(db: Database, students: number, rowsEach: number): Promise<{ instructorId: string; studentIds: string[] }> {
  const [{ instructor_id }] = await queryRows<{ instructor_id: string }>(db, sql`
    with p as (insert into profiles (user_id, first_name, last_name, email, role)
               values ('user_bench' || md5(random()::text), 'Bench', 'Instructor', 'bench@example.com', 'instructor') returning id, user_id)
    insert into instructors (user_id, profile_id, adi_number, adi_expiry) select user_id, id, 'B' || floor(random() * 1e6)::int, '2030-01-01' from p
    returning id as instructor_id`);
  const studentIds = (
    await queryRows<{ id: string }>(db, sql`
      with p as (insert into profiles (user_id, first_name, last_name, email, role)
                 select 'user_benchs' || md5(random()::text || g), 'Student', 'S' || g, 's' || g || '@example.com', 'student'
                   from generate_series(1, ${students}) g returning id, user_id)
      insert into students (user_id, profile_id, instructor_id) select user_id, id, ${instructor_id} from p returning id`)
  ).map((r) => r.id);
  await db.transaction(async (tx) => {
    // The rules, and the overrule check (a deferred constraint trigger: off too, or its pending events
    // at commit would judge these arbitrary rows and block re-enabling the guard in this transaction).
    await tx.execute(sql`alter table student_competencies disable trigger competency_guard`);
    await tx.execute(sql`alter table student_competencies disable trigger competency_overrule_check`);
    await tx.execute(sql`
      insert into student_competencies (student_id, task_id, instructor_id, status, transmission)
      select s.id, t.id, ${instructor_id}, (${sql.raw(`array[${STATUSES.map((x) => `'${x}'`).join(',')}]`)})[1 + (g / 23) % ${STATUSES.length}], 'auto'
        from unnest(${`{${studentIds.join(',')}}`}::uuid[]) s(id)
        cross join generate_series(0, ${rowsEach - 1}) g
        join competency_tasks t on t.task_number = 1 + g % 23
       order by s.id, g`);
    await tx.execute(sql`alter table student_competencies enable trigger competency_guard`);
    await tx.execute(sql`alter table student_competencies enable trigger competency_overrule_check`);
  });
  await db.execute(sql`analyze`); // fresh statistics for the new students and rows, as a live database has
  return { instructorId: instructor_id, studentIds };
}

export interface ComplianceFigures {
  progressMs: number;
  progressBareMs: number;
  summaryMs: number;
  summaryBareMs: number;
  summaryStudents: number;
  summaryRows: number;
}

export async function benchCompliance(db: Database): Promise<ComplianceFigures> {
  const one = await seed(db, 1, 500);
  const studentId = one.studentIds[0];
  const progress = await getStudentProgress(db, actor, { studentId });
  if (progress.tasks.length !== 23) throw new Error(`progress has ${progress.tasks.length} tasks`);
  const progressMs = await timed(() => getStudentProgress(db, actor, { studentId }));
  const progressBareMs = await timed(() =>
    queryRows(db, sql`select sc.status, sc.status_changed_at, sc.chain_position, t.task_number
                        from student_competencies sc join competency_tasks t on t.id = sc.task_id
                       where sc.student_id = ${studentId}`),
  );

  const many = await seed(db, 200, 30);
  const summary = await getInstructorProgressSummary(db, actor, { instructorId: many.instructorId });
  if (summary.length !== 200) throw new Error(`summary has ${summary.length} students`);
  const summaryMs = await timed(() => getInstructorProgressSummary(db, actor, { instructorId: many.instructorId }));
  const bare = () =>
    queryRows(db, sql`select sc.student_id, sc.task_id, sc.status, sc.chain_position
                        from student_competencies sc join students s on s.id = sc.student_id
                       where s.instructor_id = ${many.instructorId}`);
  const summaryRows = (await bare()).length;
  const summaryBareMs = await timed(bare);
  return { progressMs, progressBareMs, summaryMs, summaryBareMs, summaryStudents: summary.length, summaryRows };
}

const TARGET_PROGRESS_RATIO = 2;

export function printCompliance(f: ComplianceFigures): SummaryRow[] {
  console.log(
    `  getStudentProgress, 500 rows: ${fixed(f.progressMs)} ms (bare SELECT of the rows: ${fixed(f.progressBareMs)} ms, ratio ${fixed(f.progressMs / f.progressBareMs, 1)})`,
  );
  console.log(
    `  getInstructorProgressSummary, ${f.summaryStudents} students, ${int(f.summaryRows)} rows: ${fixed(f.summaryMs)} ms ` +
      `(bare SELECT of the rows: ${fixed(f.summaryBareMs)} ms, ratio ${fixed(f.summaryMs / f.summaryBareMs, 1)})`,
  );
  return [
    {
      figure: 'getStudentProgress, 500 rows, ms (vs bare SELECT)', value: fixed(f.progressMs), baseline: fixed(f.progressBareMs), ratio: fixed(f.progressMs / f.progressBareMs, 1),
      target: `<= ${fixed(TARGET_PROGRESS_RATIO, 1)}`, met: f.progressMs / f.progressBareMs <= TARGET_PROGRESS_RATIO, // issue 20, item 4
    },
    { figure: `instructor summary, ${f.summaryStudents} students, ms (vs bare SELECT)`, value: fixed(f.summaryMs), baseline: fixed(f.summaryBareMs), ratio: fixed(f.summaryMs / f.summaryBareMs, 1), target: '-', met: null },
  ];
}
