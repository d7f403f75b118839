// Appending to the audit log. The chain trigger fills chain_position, previous_hash, record_hash and
// created_at; callers give only what happened. Never put note contents, card data or signature
// images in `details`.
import { auditLog } from '../db/schema/index.js';
import type { DatabaseOrTransaction } from '../db/engines/handle.js';
import type { AuditLogEntry, NewAuditLogEntry } from '../db/types.js';
import { mapDbErrors } from '../db/errors.js';

export type AuditEvent = Omit<NewAuditLogEntry, 'id' | 'chainPosition' | 'previousHash' | 'recordHash' | 'createdAt'>;

export async function appendAuditEvent(db: DatabaseOrTransaction, event: AuditEvent): Promise<AuditLogEntry> {
  return mapDbErrors(async () => {
    const [row] = await db.insert(auditLog).values(event).returning();
    return row;
  });
}
