'use server';
// A server action creating a booking as the actor the request's headers name.
import { headers } from 'next/headers';
import { createBooking, db, NexDriveError } from '@nexdrive/db';
import { actorFrom } from './actor';

export async function bookLesson(input: Parameters<typeof createBooking>[2]) {
  try {
    const booking = await createBooking(db, actorFrom(await headers()), input);
    return { ok: true as const, bookingId: (booking as { id?: string }).id ?? null };
  } catch (err) {
    if (err instanceof NexDriveError) return { ok: false as const, error: err.code };
    throw err;
  }
}
