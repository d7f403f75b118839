// The money rules as plain functions (src/access/money/rules.ts), without a database: what a voucher
// takes off a price (whole cents, in the student's favour, never above the price) and which package a
// credit comes from (the eligible one that expires first, then the earliest purchased). Examples with
// their expected values, then properties over generated prices, vouchers and packages.
import fc from './support/property.js';
import { describe, expect, it } from 'vitest';
import { choosePackage, isLowOnCredits, normalizeVoucherCode, voucherDiscount, type PackageCandidate, type Purchase, type VoucherTerms } from '../src/access/money/rules.js';

const LESSON = 'a1111111-1111-4111-8111-111111111111';
const CO_LESSON = 'b2222222-2222-4222-8222-222222222222';
const lesson = (priceCents: number): Purchase => ({ kind: 'booking', priceCents, serviceId: LESSON, serviceCategory: 'lesson' });
const pack = (priceCents: number): Purchase => ({ kind: 'package', priceCents });
const percent = (discountPercent: number | null, applicableServices: string[] = []): VoucherTerms => ({ voucherType: 'percentage', discountPercent, discountCents: null, applicableServices });
const fixed = (discountCents: number | null): VoucherTerms => ({ voucherType: 'fixed_amount', discountPercent: null, discountCents, applicableServices: [] });
const freeLesson: VoucherTerms = { voucherType: 'free_lesson', discountPercent: null, discountCents: null, applicableServices: null };

describe(voucherDiscount.name, () => {
  it.each([
    ['10% of 10,500 is 1,050', percent(10), lesson(10500), { discountCents: 1050, amountCents: 9450 }],
    ['15% of 9,999 (1,499.85) rounds up to 1,500', percent(15), lesson(9999), { discountCents: 1500, amountCents: 8499 }],
    ['33% of 1 cent rounds up to 1 cent: nothing left to pay', percent(33), lesson(1), { discountCents: 1, amountCents: 0 }],
    ['0% takes nothing', percent(0), lesson(10500), { discountCents: 0, amountCents: 10500 }],
    ['100% takes everything', percent(100), pack(95000), { discountCents: 95000, amountCents: 0 }],
    ['a fixed 20.00 off 105.00', fixed(2000), lesson(10500), { discountCents: 2000, amountCents: 8500 }],
    ['a fixed 200.00 is capped at the 105.00 price', fixed(20000), lesson(10500), { discountCents: 10500, amountCents: 0 }],
    ['a free lesson takes a lesson to 0', freeLesson, lesson(10500), { discountCents: 10500, amountCents: 0 }],
    ['a voucher for the booking\'s service applies', percent(50, [LESSON]), lesson(10000), { discountCents: 5000, amountCents: 5000 }],
  ])('%s', (_title, voucher, purchase, expected) => {
    expect(voucherDiscount(voucher, purchase)).toEqual({ ok: true, ...expected });
  });

  it.each([
    ['a free lesson on a co-lesson', freeLesson, { kind: 'booking', priceCents: 15000, serviceId: CO_LESSON, serviceCategory: 'co_lesson' } as Purchase, /lesson booking only/],
    ['a free lesson on a package', freeLesson, pack(95000), /lesson booking only/],
    ['a voucher for other services on this booking', percent(10, [CO_LESSON]), lesson(10500), /does not cover/],
    ['a voucher for certain services on a package', percent(10, [LESSON]), pack(95000), /not packages/],
    ['a percentage voucher without a percentage', percent(null), lesson(10500), /no discount percentage/],
    ['a fixed voucher without an amount', fixed(null), lesson(10500), /no discount amount/],
  ])('does not apply %s', (_title, voucher, purchase, reason) => {
    const result = voucherDiscount(voucher, purchase);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  it('never charges below 0 or above the price, and amount + discount = price (any voucher, any price)', () => {
    const voucher = fc.oneof(
      fc.integer({ min: 0, max: 100 }).map((p) => percent(p)),
      fc.integer({ min: 0, max: 10_000_000 }).map((c) => fixed(c)),
      fc.constant(freeLesson),
    );
    fc.assert(
      fc.property(voucher, fc.integer({ min: 0, max: 10_000_000 }), fc.boolean(), (v, price, isLesson) => {
        const result = voucherDiscount(v, isLesson ? lesson(price) : pack(price));
        if (!result.ok) return v.voucherType === 'free_lesson' && !isLesson;
        return Number.isInteger(result.amountCents) && result.amountCents >= 0 && result.amountCents <= price && result.amountCents + result.discountCents === price;
      }),
    );
  });

  it('rounds a percentage discount up to the next whole cent, never more (price x percent / 100 <= discount < that + 1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 10_000_000 }), (p, price) => {
        const result = voucherDiscount(percent(p), lesson(price));
        if (!result.ok) return false;
        const exactTimes100 = price * p; // the exact discount, in hundredths of a cent
        return result.discountCents * 100 >= exactTimes100 && (result.discountCents - 1) * 100 < exactTimes100;
      }),
    );
  });
});

describe(choosePackage.name, () => {
  const now = new Date('2027-01-10T00:00:00Z');
  let n = 0;
  const held = (over: Partial<PackageCandidate> = {}): PackageCandidate => ({
    id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    status: 'active',
    creditsTotal: 10,
    creditsUsed: 0,
    purchasedAt: new Date('2026-12-01T00:00:00Z'),
    expiresAt: null,
    applicableServices: [],
    ...over,
  });

  it('takes the package that expires first, a package without expiry last', () => {
    const never = held();
    const later = held({ expiresAt: new Date('2027-06-01T00:00:00Z') });
    const sooner = held({ expiresAt: new Date('2027-02-01T00:00:00Z') });
    expect(choosePackage([never, later, sooner], LESSON, now)).toBe(sooner);
    expect(choosePackage([never, later], LESSON, now)).toBe(later);
  });

  it('breaks an expiry tie by the earliest purchase', () => {
    const expiresAt = new Date('2027-02-01T00:00:00Z');
    const newer = held({ expiresAt, purchasedAt: new Date('2026-12-20T00:00:00Z') });
    const older = held({ expiresAt, purchasedAt: new Date('2026-11-20T00:00:00Z') });
    expect(choosePackage([newer, older], LESSON, now)).toBe(older);
  });

  it('skips packages that are used up, past their expiry, not active, or for other services; empty services means all', () => {
    const usedUp = held({ creditsUsed: 10, expiresAt: new Date('2027-01-11T00:00:00Z') });
    const pastExpiry = held({ expiresAt: new Date('2027-01-10T00:00:00Z') }); // expires exactly now: gone
    const cancelled = held({ status: 'cancelled', expiresAt: new Date('2027-01-12T00:00:00Z') });
    const otherService = held({ applicableServices: [CO_LESSON], expiresAt: new Date('2027-01-13T00:00:00Z') });
    const forThis = held({ applicableServices: [LESSON, CO_LESSON], expiresAt: new Date('2027-03-01T00:00:00Z') });
    const forAll = held({ applicableServices: [], expiresAt: new Date('2027-04-01T00:00:00Z') });
    expect(choosePackage([usedUp, pastExpiry, cancelled, otherService, forAll, forThis], LESSON, now)).toBe(forThis);
    expect(choosePackage([usedUp, pastExpiry, cancelled, otherService], LESSON, now)).toBeUndefined();
    expect(choosePackage([otherService], CO_LESSON, now)).toBe(otherService);
  });

  it('always picks an eligible package, and none eligible expires before it (or ties it and was bought earlier)', () => {
    const day = 86_400_000;
    const candidate = fc.record({
      status: fc.constantFrom('active', 'exhausted', 'expired', 'cancelled'),
      creditsTotal: fc.integer({ min: 1, max: 3 }),
      creditsUsed: fc.integer({ min: 0, max: 3 }),
      purchasedDay: fc.integer({ min: -30, max: 0 }),
      expiresDay: fc.option(fc.integer({ min: -5, max: 5 })),
      services: fc.subarray([LESSON, CO_LESSON]),
    });
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 8 }), (rows) => {
        const list = rows.map((r, i) =>
          held({
            id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
            status: r.status,
            creditsTotal: r.creditsTotal,
            creditsUsed: Math.min(r.creditsUsed, r.creditsTotal),
            purchasedAt: new Date(now.getTime() + r.purchasedDay * day),
            expiresAt: r.expiresDay === null ? null : new Date(now.getTime() + r.expiresDay * day),
            applicableServices: r.services,
          }),
        );
        const eligible = list.filter((p) => p.status === 'active' && p.creditsUsed < p.creditsTotal && (p.expiresAt === null || p.expiresAt > now) && (p.applicableServices!.length === 0 || p.applicableServices!.includes(LESSON)));
        const chosen = choosePackage(list, LESSON, now);
        if (eligible.length === 0) return chosen === undefined;
        const expiry = (p: PackageCandidate) => p.expiresAt?.getTime() ?? Infinity;
        return (
          chosen !== undefined &&
          eligible.includes(chosen) &&
          eligible.every((p) => expiry(p) > expiry(chosen) || (expiry(p) === expiry(chosen) && p.purchasedAt >= chosen.purchasedAt))
        );
      }),
    );
  });
});

describe('voucher codes and low credits', () => {
  it('reads codes case-insensitively, as stored: upper-case, trimmed', () => {
    expect(normalizeVoucherCode('  summer10 ')).toBe('SUMMER10');
    expect(normalizeVoucherCode('Summer10')).toBe(normalizeVoucherCode('SUMMER10'));
  });

  it('calls 2 credits left low, and 3 not', () => {
    expect([0, 1, 2, 3, 10].map(isLowOnCredits)).toEqual([true, true, true, false, false]);
  });
});
