// Business dates: the school's calendar is Australia/Canberra (daylight saving included), whatever
// the server's or the client's time zone.
import { BUSINESS_TIME_ZONE } from './rules.js';

const canberraDay = new Intl.DateTimeFormat('en-CA', { timeZone: BUSINESS_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** The Canberra calendar date (YYYY-MM-DD) of an instant: lesson_date and scheduled_date. */
export function canberraDate(instant: Date): string {
  return canberraDay.format(instant);
}

/** Whole minutes from start to end (the logbook's total_minutes). */
export function minutesBetween(start: Date, end: Date): number {
  return Math.floor((end.getTime() - start.getTime()) / 60_000);
}
