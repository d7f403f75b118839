// Prepaid lesson packages on sale: createPackage, updatePackage, deactivatePackage, admins only, each
// change audited. A package's terms (credits, validity, services) never change once it exists: the
// students' packages and open checkouts read them (completePayment gives the package's credits), so a
// new offer is a new package. Its price changes new checkouts only: a payment keeps its amount.
import { eq } from 'drizzle-orm';
import { NotFoundError } from '../../db/errors.js';
import { packages } from '../../db/schema/index.js';
import { recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { createPackageInput, packageInput, updatePackageInput } from './inputs.js';
import { assertServicesExist, changedFields, fromTo } from './shared.js';
import { packageColumns, type PackageView } from './views.js';

async function lockPackage(ctx: OperationContext, packageId: string): Promise<PackageView> {
  const [row] = await ctx.tx.select(packageColumns).from(packages).where(eq(packages.id, packageId)).for('update');
  if (!row) throw new NotFoundError(`package ${packageId} not found`);
  return row;
}

export const createPackage = defineOperation({
  name: 'createPackage',
  kind: 'write',
  input: createPackageInput,
  async run(ctx, input): Promise<PackageView> {
    ctx.school();
    await assertServicesExist(ctx, input.applicableServices);
    const [row] = await ctx.tx.insert(packages).values(input).returning(packageColumns);
    await recordAudit(ctx, {
      eventType: 'PACKAGE_CREATED',
      subjectType: 'package',
      subjectId: row.id,
      details: { name: row.name, totalCredits: row.totalCredits, priceCents: row.priceCents, validForDays: row.validForDays, applicableServices: row.applicableServices },
    });
    return row;
  },
});

/** Changes a package's name, description or price (new checkouts only). Nothing to change: no entry. */
export const updatePackage = defineOperation({
  name: 'updatePackage',
  kind: 'write',
  input: updatePackageInput,
  async run(ctx, { packageId, ...changes }): Promise<PackageView> {
    ctx.school();
    const before = await lockPackage(ctx, packageId);
    const set = changedFields(before, changes);
    if (Object.keys(set).length === 0) return before;
    const [row] = await ctx.tx.update(packages).set(set).where(eq(packages.id, packageId)).returning(packageColumns);
    await recordAudit(ctx, { eventType: 'PACKAGE_UPDATED', subjectType: 'package', subjectId: packageId, details: { changes: fromTo(before, set) } });
    return row;
  },
});

/** Takes a package off sale: no new checkout (startPayment: NOT_FOUND); bought packages keep their credits. */
export const deactivatePackage = defineOperation({
  name: 'deactivatePackage',
  kind: 'write',
  input: packageInput,
  async run(ctx, { packageId }): Promise<PackageView> {
    ctx.school();
    const before = await lockPackage(ctx, packageId);
    if (!before.isActive) return before;
    const [row] = await ctx.tx.update(packages).set({ isActive: false }).where(eq(packages.id, packageId)).returning(packageColumns);
    await recordAudit(ctx, { eventType: 'PACKAGE_DEACTIVATED', subjectType: 'package', subjectId: packageId, details: { name: row.name } });
    return row;
  },
});
