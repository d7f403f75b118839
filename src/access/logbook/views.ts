// What a lesson and a bridge form look like to whoever may read them (students and parents included):
// explicit columns, nothing private. A parent without can_view_lesson_notes gets comments = null.
import { lessonBridgeForms, lessons } from '../../db/schema/index.js';
import { publicColumns, type RowOf } from '../core/views.js';

export const lessonColumns = publicColumns({
  id: lessons.id,
  studentId: lessons.studentId,
  instructorId: lessons.instructorId,
  bookingId: lessons.bookingId,
  lessonNumber: lessons.lessonNumber,
  lessonDate: lessons.lessonDate,
  startTime: lessons.startTime,
  endTime: lessons.endTime,
  totalMinutes: lessons.totalMinutes,
  roundedMinutes: lessons.roundedMinutes,
  odoStart: lessons.odoStart,
  odoEnd: lessons.odoEnd,
  totalKm: lessons.totalKm,
  competenciesTaught: lessons.competenciesTaught,
  competenciesAssessed: lessons.competenciesAssessed,
  competenciesAchievedManual: lessons.competenciesAchievedManual,
  competenciesAchievedAuto: lessons.competenciesAchievedAuto,
  locationSuburb: lessons.locationSuburb,
  locationDetail: lessons.locationDetail,
  comments: lessons.comments,
  status: lessons.status,
  signedAt: lessons.signedAt,
  correctionOf: lessons.correctionOf,
  correctionReason: lessons.correctionReason,
  createdAt: lessons.createdAt,
});
export type LessonView = RowOf<typeof lessonColumns>;

export const bridgeFormColumns = publicColumns({
  id: lessonBridgeForms.id,
  lessonId: lessonBridgeForms.lessonId,
  studentId: lessonBridgeForms.studentId,
  instructorId: lessonBridgeForms.instructorId,
  skillsCovered: lessonBridgeForms.skillsCovered,
  positives: lessonBridgeForms.positives,
  practiceInstructions: lessonBridgeForms.practiceInstructions,
  focusAreas: lessonBridgeForms.focusAreas,
  nextLessonRecommendation: lessonBridgeForms.nextLessonRecommendation,
  pdfUrl: lessonBridgeForms.pdfUrl,
  createdAt: lessonBridgeForms.createdAt,
});
export type BridgeFormView = RowOf<typeof bridgeFormColumns>;
