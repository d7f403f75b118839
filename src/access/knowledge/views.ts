// What the knowledge operations return: a document's own columns (no chunk vectors), and the parts of
// a student's context for the AI agents (./student-context.ts), as explicit column maps built with
// publicColumns(), so a private column (a private note, bookings.admin_notes, a gateway response) is a
// compile error here.
import { bookings, packages, profiles, ragDocuments, services, studentPackages } from '../../db/schema/index.js';
import { publicColumns, type RowOf } from '../core/views.js';

export const documentColumns = publicColumns({
  id: ragDocuments.id,
  title: ragDocuments.title,
  sourceType: ragDocuments.sourceType,
  fileUrl: ragDocuments.fileUrl,
  status: ragDocuments.status,
  chunkCount: ragDocuments.chunkCount,
  lastIndexedAt: ragDocuments.lastIndexedAt,
  metadata: ragDocuments.metadata,
  createdAt: ragDocuments.createdAt,
  updatedAt: ragDocuments.updatedAt,
});
export type KnowledgeDocument = RowOf<typeof documentColumns>;

/** A coming lesson as an agent may tell the student about it (profiles: the instructor's first name). */
export const contextBookingColumns = publicColumns({
  id: bookings.id,
  startTime: bookings.startTime,
  endTime: bookings.endTime,
  durationMinutes: bookings.durationMinutes,
  status: bookings.status,
  serviceName: services.name,
  instructorFirstName: profiles.firstName,
  pickupAddress: bookings.pickupAddress,
  suburb: bookings.suburb,
});
export type ContextBooking = RowOf<typeof contextBookingColumns>;

export const contextPackageColumns = publicColumns({
  id: studentPackages.id,
  packageName: packages.name,
  creditsTotal: studentPackages.creditsTotal,
  creditsRemaining: studentPackages.creditsRemaining,
  expiresAt: studentPackages.expiresAt,
});
export type ContextPackage = RowOf<typeof contextPackageColumns>;
