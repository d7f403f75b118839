// What a service, a package and a voucher look like to the admins who keep the catalogue.
import { packages, services, vouchers } from '../../db/schema/index.js';
import type { RowOf } from '../core/views.js';

export const serviceColumns = {
  id: services.id,
  name: services.name,
  slug: services.slug,
  description: services.description,
  durationMinutes: services.durationMinutes,
  priceCents: services.priceCents,
  category: services.category,
  isBookableOnline: services.isBookableOnline,
  requiresEligibilityCheck: services.requiresEligibilityCheck,
  minNoticeHours: services.minNoticeHours,
  sortOrder: services.sortOrder,
  isActive: services.isActive,
  color: services.color,
  createdAt: services.createdAt,
  updatedAt: services.updatedAt,
};
export type ServiceView = RowOf<typeof serviceColumns>;

export const packageColumns = {
  id: packages.id,
  name: packages.name,
  description: packages.description,
  totalCredits: packages.totalCredits,
  priceCents: packages.priceCents,
  validForDays: packages.validForDays,
  applicableServices: packages.applicableServices,
  isActive: packages.isActive,
  createdAt: packages.createdAt,
  updatedAt: packages.updatedAt,
};
export type PackageView = RowOf<typeof packageColumns>;

export const voucherColumns = {
  id: vouchers.id,
  code: vouchers.code,
  voucherType: vouchers.voucherType,
  discountPercent: vouchers.discountPercent,
  discountCents: vouchers.discountCents,
  maxUses: vouchers.maxUses,
  timesUsed: vouchers.timesUsed,
  maxUsesPerStudent: vouchers.maxUsesPerStudent,
  validFrom: vouchers.validFrom,
  validUntil: vouchers.validUntil,
  applicableServices: vouchers.applicableServices,
  isActive: vouchers.isActive,
  createdAt: vouchers.createdAt,
  updatedAt: vouchers.updatedAt,
};
export type VoucherView = RowOf<typeof voucherColumns>;
