// The services the school sells (lesson types and their prices): createService, updateService,
// deactivateService, admins only, each change audited. A booking keeps the price it was made at
// (bookings.amount_cents, createBooking), so a price change reaches new bookings only. A deactivated
// service cannot be booked (createBooking and getAvailableSlots: NOT_FOUND); its bookings stand.
import { eq } from 'drizzle-orm';
import { NotFoundError } from '../../db/errors.js';
import { services } from '../../db/schema/index.js';
import { recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { createServiceInput, serviceInput, updateServiceInput } from './inputs.js';
import { changedFields, fromTo } from './shared.js';
import { serviceColumns, type ServiceView } from './views.js';

async function lockService(ctx: OperationContext, serviceId: string): Promise<ServiceView> {
  const [row] = await ctx.tx.select(serviceColumns).from(services).where(eq(services.id, serviceId)).for('update');
  if (!row) throw new NotFoundError(`service ${serviceId} not found`);
  return row;
}

/** A new service, on sale at once (a slug already taken is DUPLICATE_SERVICE_SLUG). */
export const createService = defineOperation({
  name: 'createService',
  kind: 'write',
  input: createServiceInput,
  async run(ctx, input): Promise<ServiceView> {
    ctx.school();
    const [row] = await ctx.tx.insert(services).values(input).returning(serviceColumns);
    await recordAudit(ctx, {
      eventType: 'SERVICE_CREATED',
      subjectType: 'service',
      subjectId: row.id,
      details: { slug: row.slug, name: row.name, priceCents: row.priceCents, durationMinutes: row.durationMinutes, category: row.category },
    });
    return row;
  },
});

/** Changes a service's details or price; existing bookings keep their amount. Nothing to change: no entry. */
export const updateService = defineOperation({
  name: 'updateService',
  kind: 'write',
  input: updateServiceInput,
  async run(ctx, { serviceId, ...changes }): Promise<ServiceView> {
    ctx.school();
    const before = await lockService(ctx, serviceId);
    const set = changedFields(before, changes);
    if (Object.keys(set).length === 0) return before;
    const [row] = await ctx.tx.update(services).set(set).where(eq(services.id, serviceId)).returning(serviceColumns);
    await recordAudit(ctx, { eventType: 'SERVICE_UPDATED', subjectType: 'service', subjectId: serviceId, details: { changes: fromTo(before, set) } });
    return row;
  },
});

/** Takes a service off sale (is_active false): no new booking, no slots; what was booked stands. */
export const deactivateService = defineOperation({
  name: 'deactivateService',
  kind: 'write',
  input: serviceInput,
  async run(ctx, { serviceId }): Promise<ServiceView> {
    ctx.school();
    const before = await lockService(ctx, serviceId);
    if (!before.isActive) return before;
    const [row] = await ctx.tx.update(services).set({ isActive: false }).where(eq(services.id, serviceId)).returning(serviceColumns);
    await recordAudit(ctx, { eventType: 'SERVICE_DEACTIVATED', subjectType: 'service', subjectId: serviceId, details: { slug: row.slug } });
    return row;
  },
});
