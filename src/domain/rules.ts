// Business constants the school may change, each in one place (domain-rules.md: "configurable").

/** The time zone of every business date and wall-clock time (availability, scheduled_date). */
export const BUSINESS_TIME_ZONE = 'Australia/Canberra';

/** Logbook periods: rounded_minutes is total_minutes rounded to the nearest 30-minute period; exactly
 *  half a period (15 minutes) rounds up. 44 -> 30, 45 -> 60, 60 -> 60, 75 -> 90, 10 -> 0. */
export const LOGBOOK_PERIOD_MINUTES = 30;

export function roundToLogbookPeriods(totalMinutes: number): number {
  return Math.floor((totalMinutes + LOGBOOK_PERIOD_MINUTES / 2) / LOGBOOK_PERIOD_MINUTES) * LOGBOOK_PERIOD_MINUTES;
}

// ─── Money (issue 10, docs/money.md) ───

/** How long a pending payment (an open checkout) holds its voucher reservation; expirePendingPayments
 *  fails pending payments this old, which releases their voucher uses. */
export const PAYMENT_HOLD_MINUTES = 30;

/** A package with this many credits left, or fewer, is "low" (redeemCredit says so). */
export const LOW_CREDITS_THRESHOLD = 2;
