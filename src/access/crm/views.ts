// What a contact looks like to the staff who may see it, and to an AI agent that found or created one
// by the phone it is talking to: the agent gets the contact's id and first name, nothing else.
import { contacts } from '../../db/schema/index.js';
import type { RowOf } from '../core/views.js';

export const contactColumns = {
  id: contacts.id,
  userId: contacts.userId,
  instructorId: contacts.instructorId,
  firstName: contacts.firstName,
  lastName: contacts.lastName,
  email: contacts.email,
  phone: contacts.phone,
  lifecycleStage: contacts.lifecycleStage,
  leadScore: contacts.leadScore,
  source: contacts.source,
  sourceDetail: contacts.sourceDetail,
  utmSource: contacts.utmSource,
  utmMedium: contacts.utmMedium,
  utmCampaign: contacts.utmCampaign,
  firstContactAt: contacts.firstContactAt,
  lastContactAt: contacts.lastContactAt,
  totalInteractions: contacts.totalInteractions,
  notes: contacts.notes,
  createdAt: contacts.createdAt,
  updatedAt: contacts.updatedAt,
};
export type ContactView = RowOf<typeof contactColumns>;

/** What an AI agent learns of a contact it found or created by phone. */
export interface AgentContactView {
  id: string;
  firstName: string | null;
}

export const agentView = (c: { id: string; firstName: string | null }): AgentContactView => ({ id: c.id, firstName: c.firstName });
