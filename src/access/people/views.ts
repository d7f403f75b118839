// What a student's record looks like to whoever may read it (parents included): explicit columns of
// students and of their profile, nothing private.
import { profiles, students } from '../../db/schema/index.js';
import { publicColumns, type RowOf } from '../core/views.js';

export const studentColumns = publicColumns({
  id: students.id,
  userId: students.userId,
  instructorId: students.instructorId,
  firstName: profiles.firstName,
  lastName: profiles.lastName,
  email: profiles.email,
  phone: profiles.phone,
  licenceNumber: students.licenceNumber,
  licenceType: students.licenceType,
  licenceExpiry: students.licenceExpiry,
  transmission: students.transmission,
  schoolOrWork: students.schoolOrWork,
  totalHours: students.totalHours,
  nightHours: students.nightHours,
  professionalHours: students.professionalHours,
  parentVisibility: students.parentVisibility,
  enrollmentDate: students.enrollmentDate,
  estimatedTestDate: students.estimatedTestDate,
  completionDate: students.completionDate,
  certificateIssuedAt: students.certificateIssuedAt,
  certificateNumber: students.certificateNumber,
  status: students.status,
});
export type StudentView = RowOf<typeof studentColumns>;
