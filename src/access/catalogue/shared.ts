// What the catalogue operations share: the fields a change really changes (for the update and its
// audit entry), and the check that the services a package or voucher names exist (an array of ids
// cannot have a foreign key).
import { inArray } from 'drizzle-orm';
import { ValidationError } from '../../db/errors.js';
import { services } from '../../db/schema/index.js';
import type { OperationContext } from '../core/context.js';

const same = (a: unknown, b: unknown) =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : JSON.stringify(a) === JSON.stringify(b);

/** The entries of `changes` that are given and differ from `row`. */
export function changedFields<T extends Record<string, unknown>>(row: T, changes: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([k, v]) => v !== undefined && !same(row[k], v))) as Partial<T>;
}

/** For the audit entry: each changed field with its value before and after. */
export function fromTo<T extends Record<string, unknown>>(row: T, set: Partial<T>): Record<string, { from: unknown; to: unknown }> {
  return Object.fromEntries(Object.keys(set).map((k) => [k, { from: row[k] ?? null, to: set[k] ?? null }]));
}

/** VALIDATION_ERROR naming applicableServices when one of the ids is not a service. */
export async function assertServicesExist(ctx: OperationContext, ids: readonly string[] | null | undefined): Promise<void> {
  if (!ids || ids.length === 0) return;
  const found = new Set((await ctx.tx.select({ id: services.id }).from(services).where(inArray(services.id, [...ids]))).map((r) => r.id));
  const missing = ids.filter((i) => !found.has(i));
  if (missing.length > 0) {
    throw new ValidationError(`applicableServices: no service ${missing.join(', ')}`, missing.map((m) => `applicableServices: no service ${m}`), ['applicableServices']);
  }
}
