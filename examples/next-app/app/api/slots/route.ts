// A route handler reading slots with the lazy `db`.
import { db, getAvailableSlots, NexDriveError } from '@nexdrive/db';

export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  const q = new URL(request.url).searchParams;
  try {
    const slots = await getAvailableSlots(db, {
      instructorId: q.get('instructorId') ?? '',
      serviceId: q.get('serviceId') ?? '',
      from: q.get('from') ?? '',
      to: q.get('to') ?? '',
    });
    return Response.json({ slots });
  } catch (err) {
    if (err instanceof NexDriveError) return Response.json({ error: err.code, message: err.message }, { status: 400 });
    throw err;
  }
}
