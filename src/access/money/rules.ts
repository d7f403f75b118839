// The money rules that are plain functions over plain data (domain-rules.md "Money"), tested alone and
// with property tests (tests/money-rules.test.ts); the operations load rows, call these, and write.
//   - what a voucher takes off a price;
//   - which of a student's packages pays for a booking;
//   - voucher codes and "low" credits.
import type { ServiceCategory, StudentPackageStatus, VoucherType } from '../../db/types.js';
import { LOW_CREDITS_THRESHOLD } from '../../domain/rules.js';

// ─── Vouchers ───

/** Codes are case-insensitive and stored upper-case (CHECK vouchers_code_upper_check). */
export function normalizeVoucherCode(code: string): string {
  return code.trim().toUpperCase();
}

export interface VoucherTerms {
  voucherType: VoucherType;
  discountPercent: number | null;
  discountCents: number | null;
  /** Empty or NULL: every service, and packages. */
  applicableServices: readonly string[] | null;
}

/** What is being paid for: a booking of a service, or a package. */
export type Purchase =
  | { kind: 'booking'; priceCents: number; serviceId: string; serviceCategory: ServiceCategory }
  | { kind: 'package'; priceCents: number };

export type Discount = { ok: true; discountCents: number; amountCents: number } | { ok: false; reason: string };

/**
 * The discount a voucher gives on a purchase, in whole cents, never above the price:
 *   percentage    the percentage of the price, rounded up to a whole cent (in the student's favour);
 *   fixed_amount  its discount_cents, capped at the price;
 *   free_lesson   the whole price of a booking of a 'lesson' service.
 * A voucher with services applies to bookings of those services only (not to packages).
 */
export function voucherDiscount(voucher: VoucherTerms, purchase: Purchase): Discount {
  const services = voucher.applicableServices ?? [];
  if (services.length > 0) {
    if (purchase.kind !== 'booking') return { ok: false, reason: 'this voucher is for lessons of certain services, not packages' };
    if (!services.includes(purchase.serviceId)) return { ok: false, reason: "this voucher does not cover the booking's service" };
  }
  const price = purchase.priceCents;
  let discount: number;
  switch (voucher.voucherType) {
    case 'percentage':
      if (voucher.discountPercent === null) return { ok: false, reason: 'this voucher has no discount percentage' };
      // price * percent is an integer below 2^53; ceil of its exact quotient by 100
      discount = Math.ceil((price * voucher.discountPercent) / 100);
      break;
    case 'fixed_amount':
      if (voucher.discountCents === null) return { ok: false, reason: 'this voucher has no discount amount' };
      discount = Math.min(voucher.discountCents, price);
      break;
    case 'free_lesson':
      if (purchase.kind !== 'booking' || purchase.serviceCategory !== 'lesson') return { ok: false, reason: 'a free-lesson voucher pays for a lesson booking only' };
      discount = price;
      break;
  }
  discount = Math.min(Math.max(discount, 0), price);
  return { ok: true, discountCents: discount, amountCents: price - discount };
}

// ─── Package credits ───

export interface PackageCandidate {
  id: string;
  status: StudentPackageStatus;
  creditsTotal: number;
  creditsUsed: number;
  purchasedAt: Date;
  expiresAt: Date | null;
  /** The package's applicable_services: empty or NULL means every service. */
  applicableServices: readonly string[] | null;
}

/** Whether a package can pay for a booking of `serviceId` at `now`. */
export function canPayWith(p: PackageCandidate, serviceId: string, now: Date): boolean {
  const services = p.applicableServices ?? [];
  return (
    p.status === 'active' &&
    p.creditsUsed < p.creditsTotal &&
    (p.expiresAt === null || p.expiresAt.getTime() > now.getTime()) &&
    (services.length === 0 || services.includes(serviceId))
  );
}

/**
 * The package a credit comes from: among the student's packages that can pay for the service, the one
 * that expires first (a package without expiry last), then the earliest purchased, then by id (so the
 * choice is the same on every run). undefined: none can pay.
 */
export function choosePackage<P extends PackageCandidate>(packages: readonly P[], serviceId: string, now: Date): P | undefined {
  const expiry = (p: PackageCandidate) => p.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return packages
    .filter((p) => canPayWith(p, serviceId, now))
    .sort((a, b) => expiry(a) - expiry(b) || a.purchasedAt.getTime() - b.purchasedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];
}

/** 2 or fewer credits left is low (LOW_CREDITS_THRESHOLD). */
export function isLowOnCredits(creditsRemaining: number): boolean {
  return creditsRemaining <= LOW_CREDITS_THRESHOLD;
}
