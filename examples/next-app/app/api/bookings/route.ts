// Calls the server action, so CI can exercise it with one plain HTTP request.
import { bookLesson } from '../../bookings';

export const dynamic = 'force-dynamic';

export async function POST(request: Request) {
  return Response.json(await bookLesson(await request.json()));
}
