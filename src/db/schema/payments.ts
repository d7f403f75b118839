// Money: payments, prepaid lesson packages, the packages students bought, and vouchers.
// Every amount is integer cents (AUD). Added to the spec (issue 10, docs/money.md): which voucher a
// payment used and its discount, which package paid a credit-paid booking, invoice numbers that are
// unique and well formed, one payment per gateway payment, one package per purchase, upper-case codes.
import { relations, sql } from 'drizzle-orm';
import {
  boolean, check, foreignKey, index, integer, jsonb, pgTable, text, uniqueIndex, uuid,
  type PgTableExtraConfigValue,
} from 'drizzle-orm/pg-core';
import { students } from './users.js';
import { contacts } from './crm.js';
import { bookings } from './bookings.js';
import { checkOneOf, createdAt, timestamptz, updatedAt } from './columns.js';
import {
  PAYMENT_METHODS, PAYMENT_STATUSES, STUDENT_PACKAGE_STATUSES, VOUCHER_TYPES,
} from './enums.js';

// ─────────────────────────────────────────────
// PAYMENTS
// Payment transaction records.
// ─────────────────────────────────────────────
export const payments = pgTable('payments', {
  id: uuid('id').primaryKey().defaultRandom(),

  studentId: uuid('student_id').references(() => students.id),
  contactId: uuid('contact_id').references(() => contacts.id),

  bookingId: uuid('booking_id'), // FK fk_payments_booking below (payments <-> bookings cycle)
  packageId: uuid('package_id').references(() => packages.id),

  // Amount
  amountCents: integer('amount_cents').notNull(),
  currency: text('currency').notNull().default('AUD'),

  paymentMethod: text('payment_method', { enum: PAYMENT_METHODS }).notNull(),

  // Gateway
  gateway: text('gateway'), // free text, e.g. 'stripe', 'tyro', 'square'
  gatewayPaymentId: text('gateway_payment_id'),
  gatewayResponse: jsonb('gateway_response'),

  status: text('status', { enum: PAYMENT_STATUSES }).notNull().default('pending'),

  // Refund
  refundAmountCents: integer('refund_amount_cents').default(0),
  refundReason: text('refund_reason'),
  refundedAt: timestamptz('refunded_at'),

  // Invoice
  invoiceNumber: text('invoice_number'), // NXD-YYYY-NNNN, one sequence per year
  invoiceUrl: text('invoice_url'),

  description: text('description'),

  // Added (issue 10). A voucher on a pending or processing payment is a reservation of one use; on a
  // completed (or later refunded or disputed) payment it is a use; on a failed payment it was released.
  voucherId: uuid('voucher_id').references(() => vouchers.id),
  discountCents: integer('discount_cents').notNull().default(0), // taken off the price by the voucher
  // The package a 'package_credit' payment took its credit from; FK fk_payments_student_package below
  studentPackageId: uuid('student_package_id'),
  // Added (issue 15). When the payment completed: the database's clock, set by payments_money_rules
  // (migration 0023), never by a caller; NULL until then.
  completedAt: timestamptz('completed_at'),
  // Added (issue 15). The money was taken for a booking cancelled meanwhile (a late webhook): the
  // payment completed, the booking stays unpaid, and the school owes a refund. Set by the database
  // (payments_money_rules), never by a caller; it stays as the record (status 'refunded' says it was done).
  needsRefund: boolean('needs_refund').notNull().default(false),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table): PgTableExtraConfigValue[] => [ // typed: the FKs below close an import cycle (TS7022)
  index('idx_payments_student_id').on(table.studentId),
  index('idx_payments_booking_id').on(table.bookingId),
  index('idx_payments_status').on(table.status),
  index('idx_payments_created').on(table.createdAt),
  foreignKey({
    name: 'fk_payments_booking',
    columns: [table.bookingId],
    foreignColumns: [bookings.id],
  }),
  checkOneOf('payments_payment_method_check', 'payment_method', PAYMENT_METHODS),
  checkOneOf('payments_status_check', 'status', PAYMENT_STATUSES),
  check('payments_amount_cents_check', sql`amount_cents >= 0`),
  check(
    'payments_refund_amount_cents_check',
    sql`refund_amount_cents >= 0 AND refund_amount_cents <= amount_cents`,
  ),
  // Added (issue 10). Invoice numbers: NXD-YYYY-NNNN, 4 to 10 digits, from 0001 up (10000 after 9999);
  // the database assigns them (payments_money_rules, a custom migration). The second index orders them
  // as numbers (the NNNN part zero-padded to 10 digits, byte order), so the numbering finds a year's
  // highest number in one index probe instead of reading the whole year.
  uniqueIndex('payments_invoice_number_unique').on(table.invoiceNumber),
  index('payments_invoice_number_order')
    .on(sql`((left(invoice_number, 9) || lpad(substr(invoice_number, 10), 10, '0')) COLLATE "C")`)
    .where(sql`invoice_number IS NOT NULL`),
  check(
    'payments_invoice_number_check',
    sql`invoice_number ~ '^NXD-[0-9]{4}-([0-9]{4}|[1-9][0-9]{4,9})$' AND invoice_number !~ '-0000$'`,
  ),
  // A gateway's payment is recorded once: the same webhook twice cannot complete two payments.
  uniqueIndex('payments_gateway_payment_unique').on(table.gateway, table.gatewayPaymentId),
  check('payments_gateway_payment_id_check', sql`gateway_payment_id IS NULL OR gateway IS NOT NULL`),
  index('idx_payments_voucher_id').on(table.voucherId),
  check('payments_discount_cents_check', sql`discount_cents >= 0`),
  foreignKey({
    name: 'fk_payments_student_package',
    columns: [table.studentPackageId],
    foreignColumns: [studentPackages.id],
  }),
  check('payments_student_package_id_check', sql`student_package_id IS NULL OR payment_method = 'package_credit'`),
  // Added (issue 15): a payment has completed exactly when it records when.
  check(
    'payments_completed_at_check',
    sql`(completed_at IS NOT NULL) = (status IN ('completed', 'partially_refunded', 'refunded', 'disputed'))`,
  ),
  check('payments_needs_refund_check', sql`NOT needs_refund OR booking_id IS NOT NULL`),
]);

// ─────────────────────────────────────────────
// PACKAGES
// Prepaid lesson packages on sale.
// ─────────────────────────────────────────────
export const packages = pgTable('packages', {
  id: uuid('id').primaryKey().defaultRandom(),

  name: text('name').notNull(),
  description: text('description'),
  totalCredits: integer('total_credits').notNull(),
  priceCents: integer('price_cents').notNull(),

  // Rules
  validForDays: integer('valid_for_days'), // NULL = no expiry
  applicableServices: uuid('applicable_services').array().default(sql`'{}'`),

  isActive: boolean('is_active').notNull().default(true),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, () => [
  check('packages_total_credits_check', sql`total_credits > 0`),
  check('packages_price_cents_check', sql`price_cents >= 0`),
]);

// ─────────────────────────────────────────────
// STUDENT_PACKAGES
// Packages a student bought, and the credits left on them.
// ─────────────────────────────────────────────
export const studentPackages = pgTable('student_packages', {
  id: uuid('id').primaryKey().defaultRandom(),
  studentId: uuid('student_id').notNull().references(() => students.id),
  packageId: uuid('package_id').notNull().references(() => packages.id),
  paymentId: uuid('payment_id').references(() => payments.id),

  creditsTotal: integer('credits_total').notNull(),
  creditsUsed: integer('credits_used').notNull().default(0),
  creditsRemaining: integer('credits_remaining').generatedAlwaysAs(sql`credits_total - credits_used`),

  purchasedAt: timestamptz('purchased_at').notNull().defaultNow(),
  expiresAt: timestamptz('expires_at'),

  status: text('status', { enum: STUDENT_PACKAGE_STATUSES }).notNull().default('active'),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_sp_student_id').on(table.studentId),
  index('idx_sp_status').on(table.status),
  // Added (issue 10): a purchase activates one package, however often its completion is delivered.
  uniqueIndex('student_packages_payment_id_unique').on(table.paymentId),
  checkOneOf('student_packages_status_check', 'status', STUDENT_PACKAGE_STATUSES),
  check('student_packages_credits_total_check', sql`credits_total > 0`),
  check('student_packages_credits_used_check', sql`credits_used BETWEEN 0 AND credits_total`),
]);

// ─────────────────────────────────────────────
// VOUCHERS
// Promotional codes and gift vouchers.
// ─────────────────────────────────────────────
export const vouchers = pgTable('vouchers', {
  id: uuid('id').primaryKey().defaultRandom(),

  code: text('code').notNull().unique(),

  voucherType: text('voucher_type', { enum: VOUCHER_TYPES }).notNull(),
  discountPercent: integer('discount_percent'),
  discountCents: integer('discount_cents'),

  // Usage rules
  maxUses: integer('max_uses'), // NULL = unlimited
  timesUsed: integer('times_used').notNull().default(0),
  maxUsesPerStudent: integer('max_uses_per_student').default(1),

  // Validity
  validFrom: timestamptz('valid_from').notNull().defaultNow(),
  validUntil: timestamptz('valid_until'),
  applicableServices: uuid('applicable_services').array().default(sql`'{}'`),

  isActive: boolean('is_active').notNull().default(true),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  uniqueIndex('idx_vouchers_code').on(table.code),
  // Added (issue 10): codes are case-insensitive, so they are stored upper-case and looked up so.
  check('vouchers_code_upper_check', sql`code = upper(code)`),
  checkOneOf('vouchers_voucher_type_check', 'voucher_type', VOUCHER_TYPES),
  check('vouchers_discount_percent_check', sql`discount_percent BETWEEN 0 AND 100`),
  check('vouchers_discount_cents_check', sql`discount_cents >= 0`),
  check('vouchers_max_uses_check', sql`max_uses > 0`),
  check('vouchers_max_uses_per_student_check', sql`max_uses_per_student > 0`),
  check('vouchers_times_used_check', sql`times_used >= 0 AND (max_uses IS NULL OR times_used <= max_uses)`),
  check('vouchers_valid_until_after_from_check', sql`valid_until IS NULL OR valid_until > valid_from`),
]);

// ─── RELATIONS ──────────────────────────────

export const paymentsRelations = relations(payments, ({ one }) => ({
  student: one(students, {
    fields: [payments.studentId],
    references: [students.id],
  }),
  contact: one(contacts, {
    fields: [payments.contactId],
    references: [contacts.id],
  }),
  booking: one(bookings, {
    fields: [payments.bookingId],
    references: [bookings.id],
  }),
  package: one(packages, {
    fields: [payments.packageId],
    references: [packages.id],
  }),
}));

export const studentPackagesRelations = relations(studentPackages, ({ one }) => ({
  student: one(students, {
    fields: [studentPackages.studentId],
    references: [students.id],
  }),
  package: one(packages, {
    fields: [studentPackages.packageId],
    references: [packages.id],
  }),
  payment: one(payments, {
    fields: [studentPackages.paymentId],
    references: [payments.id],
  }),
}));
