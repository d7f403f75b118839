// listServices: what the school offers, for the booking widget (SPEC-06) and the AI channels. Public, like
// getAvailableSlots: no actor, only the services that are active and bookable online, and only what a
// customer reads (name, length, price, category); nothing of the catalogue's keeping (sort order,
// colour, timestamps) that a widget does not need.
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { DatabaseOrTransaction } from '../../db/engines/handle.js';
import { toDbError } from '../../db/errors.js';
import { services } from '../../db/schema/index.js';
import { SERVICE_CATEGORIES } from '../../db/schema/enums.js';
import { parseInput } from '../core/validation.js';

export const listServicesInput = z.strictObject({ category: z.enum(SERVICE_CATEGORIES).optional() });

const publicColumns = {
  id: services.id,
  name: services.name,
  slug: services.slug,
  description: services.description,
  durationMinutes: services.durationMinutes,
  priceCents: services.priceCents,
  category: services.category,
  requiresEligibilityCheck: services.requiresEligibilityCheck,
};

/** The active services bookable online, in the school's order. */
export async function listServices(db: DatabaseOrTransaction, rawInput: z.input<typeof listServicesInput> = {}) {
  const input = parseInput(listServicesInput, rawInput);
  const bookable = and(eq(services.isActive, true), eq(services.isBookableOnline, true), input.category ? eq(services.category, input.category) : undefined);
  try {
    return await db.select(publicColumns).from(services).where(bookable).orderBy(asc(services.sortOrder), asc(services.name));
  } catch (err) {
    throw toDbError(err);
  }
}
