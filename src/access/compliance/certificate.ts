// Issuing the certificate of competency (Form 165751): asked for explicitly, by the student's
// instructor or an admin, once all active tasks are competent in the student's transmission, the final
// drive's lesson as it stands counts, and the student is not suspended (issue 15). The
// database checks eligibility again and assigns CERT-YYYY-NNNN (one gapless sequence per Canberra
// year), the time, the Canberra completion date and status 'completed' (migration 0017); two
// concurrent calls issue one certificate.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { students } from '../../db/schema/index.js';
import { recordAudit } from '../core/audit.js';
import { defineOperation } from '../core/operation.js';
import { id } from '../core/validation.js';
import { CertificateAlreadyIssuedError, CertificateNotEligibleError, toComplianceError } from './errors.js';

export interface IssuedCertificate {
  studentId: string;
  certificateNumber: string;
  issuedAt: Date;
  completionDate: string;
}

export const issueCertificate = defineOperation({
  name: 'issueCertificate',
  kind: 'write',
  input: z.strictObject({ studentId: id(), confirm: z.literal(true, 'issuing a certificate is asked for explicitly: confirm: true') }),
  async run(ctx, { studentId }): Promise<IssuedCertificate> {
    // The row lock makes a second concurrent call wait, then see the certificate the first one issued.
    const { student } = await ctx.student(studentId, { lock: true });
    if (student.certificateNumber) {
      throw new CertificateAlreadyIssuedError(`student ${studentId} already holds certificate ${student.certificateNumber}`, student.certificateNumber);
    }
    // Issuing makes the student 'completed': it must never lift a suspension (the database refuses too).
    if (student.status === 'suspended') {
      throw new CertificateNotEligibleError(`student ${studentId} is suspended: no certificate is issued while suspended`, [], undefined, 'the student is suspended');
    }
    // The database sets the number, time, completion date and status (students_certificate_guard).
    const [issued] = await ctx.tx
      .update(students)
      .set({ certificateIssuedAt: new Date() })
      .where(eq(students.id, studentId))
      .returning({ number: students.certificateNumber, issuedAt: students.certificateIssuedAt, completionDate: students.completionDate });
    await recordAudit(ctx, {
      eventType: 'CERTIFICATE_ISSUED',
      subjectType: 'student',
      subjectId: studentId,
      details: { certificateNumber: issued.number, transmission: student.transmission },
    });
    return { studentId, certificateNumber: issued.number!, issuedAt: issued.issuedAt!, completionDate: issued.completionDate! };
  },
  mapError: toComplianceError,
});
