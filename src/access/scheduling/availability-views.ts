// What an availability rule and an override look like to the staff who change them.
import { availabilityOverrides, availabilityRules } from '../../db/schema/index.js';
import type { RowOf } from '../core/views.js';

export const ruleColumns = {
  id: availabilityRules.id,
  instructorId: availabilityRules.instructorId,
  dayOfWeek: availabilityRules.dayOfWeek,
  startTime: availabilityRules.startTime,
  endTime: availabilityRules.endTime,
  effectiveFrom: availabilityRules.effectiveFrom,
  effectiveUntil: availabilityRules.effectiveUntil,
  isActive: availabilityRules.isActive,
};
export type AvailabilityRuleView = RowOf<typeof ruleColumns>;

export const overrideColumns = {
  id: availabilityOverrides.id,
  instructorId: availabilityOverrides.instructorId,
  date: availabilityOverrides.date,
  startTime: availabilityOverrides.startTime,
  endTime: availabilityOverrides.endTime,
  overrideType: availabilityOverrides.overrideType,
  reason: availabilityOverrides.reason,
};
export type AvailabilityOverrideView = RowOf<typeof overrideColumns>;
