// The inputs of the logbook operations, derived from the lessons table with drizzle-zod and refined
// where the domain says more: odometer readings are never negative and never run backwards, task
// numbers are 1..23, GPS is a coordinate, a lesson ends after it starts, and lesson_date (if given)
// is the Canberra date of the start.
import { createInsertSchema } from 'drizzle-zod';
import { z } from 'zod';
import { lessons, signatures } from '../../db/schema/index.js';
import { canberraDate } from '../../domain/time.js';
import { boundedJson, id, instant, isoDate, storageUrl, text } from '../core/validation.js';

/** No lesson is longer than this (a typo in a date must not become a logbook entry of weeks). */
export const MAX_LESSON_MINUTES = 12 * 60;

const taskNumbers = z.array(z.int().min(1, 'task numbers are 1 to 23').max(23, 'task numbers are 1 to 23')).max(23);
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);

/** What a lesson records, apart from who and when. */
export const lessonDataFields = createInsertSchema(lessons, {
  odoStart: (s) => s.min(0, 'an odometer reading is not negative'),
  odoEnd: (s) => s.min(0, 'an odometer reading is not negative'),
  competenciesTaught: taskNumbers,
  competenciesAssessed: taskNumbers,
  competenciesAchievedManual: taskNumbers,
  competenciesAchievedAuto: taskNumbers,
  locationSuburb: (s) => s.trim().max(100),
  locationDetail: (s) => s.trim().max(500),
  comments: (s) => s.max(4000),
  deviceInfo: () => boundedJson(),
})
  .pick({
    odoStart: true, odoEnd: true, competenciesTaught: true, competenciesAssessed: true, competenciesAchievedManual: true,
    competenciesAchievedAuto: true, locationSuburb: true, locationDetail: true, comments: true, deviceInfo: true,
  })
  .partial() // every one of them may be left out
  .extend({ gpsLatitude: latitude.optional(), gpsLongitude: longitude.optional() });

type Timing = { startTime?: unknown; endTime?: unknown; lessonDate?: unknown; odoStart?: unknown; odoEnd?: unknown };

const isDate = (v: unknown): v is Date => v instanceof Date && !Number.isNaN(v.getTime());
const isNumber = (v: unknown): v is number => typeof v === 'number';

/** Rules across fields, for a lesson and for a correction's merged result. Zod runs this even when a
 *  field failed on its own, so each rule looks only at fields that are valid. */
export function lessonRuleIssues(l: Timing): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  if (isDate(l.startTime) && isDate(l.endTime)) {
    const minutes = (l.endTime.getTime() - l.startTime.getTime()) / 60_000;
    if (minutes < 1) issues.push({ path: 'endTime', message: 'a lesson ends at least a minute after it starts' });
    else if (minutes > MAX_LESSON_MINUTES) issues.push({ path: 'endTime', message: `a lesson lasts at most ${MAX_LESSON_MINUTES / 60} hours` });
  }
  if (isDate(l.startTime) && typeof l.lessonDate === 'string' && l.lessonDate !== canberraDate(l.startTime)) {
    issues.push({ path: 'lessonDate', message: `is the Canberra date of startTime, ${canberraDate(l.startTime)}` });
  }
  if (isNumber(l.odoStart) && isNumber(l.odoEnd) && l.odoStart >= 0 && l.odoEnd < l.odoStart) {
    issues.push({ path: 'odoEnd', message: 'the odometer does not run backwards' });
  }
  return issues;
}

function refineLesson<T extends Timing>(value: T, ctx: z.RefinementCtx): void {
  for (const issue of lessonRuleIssues(value)) ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
}

export const recordLessonInput = lessonDataFields
  .extend({
    studentId: id(),
    bookingId: id().optional(),
    startTime: instant(),
    endTime: instant(),
    /** Optional: the Canberra date of startTime is used, and a different date is refused. */
    lessonDate: isoDate().optional(),
  })
  .strict()
  .superRefine(refineLesson);

export const correctionChanges = lessonDataFields
  .extend({ startTime: instant().optional(), endTime: instant().optional() })
  .strict();

export const recordLessonCorrectionInput = z.strictObject({
  lessonId: id(),
  reason: text(1000),
  changes: correctionChanges.refine((c) => Object.keys(c).length > 0, 'a correction changes at least one field'),
});

/** Evidence captured with a signature: the image's storage path and where and how it was made. */
export const signatureEvidence = createInsertSchema(signatures, {
  signatureUrl: () => storageUrl(),
  userAgent: (s) => s.max(1000),
  deviceInfo: () => boundedJson(),
})
  .pick({ signatureUrl: true, userAgent: true, deviceInfo: true })
  .partial({ userAgent: true, deviceInfo: true })
  .extend({
    ipAddress: z.union([z.ipv4(), z.ipv6()]).optional(),
    gpsLatitude: latitude.optional(),
    gpsLongitude: longitude.optional(),
  })
  .strict();

export const signLessonInput = z.strictObject({ lessonId: id(), signature: signatureEvidence });

export const disputeLessonInput = z.strictObject({ lessonId: id(), reason: text(1000) });

export const studentIdInput = z.strictObject({ studentId: id() });
