// Attack (medium, policy): any system actor may write to and archive the school's knowledge base, not
// only "the ingestion job" that docs/knowledge.md and docs/access.md name. RIGHTS.indexDocument and
// RIGHTS.archiveDocument give the whole `system` kind 'allow', and systemActor() accepts any kind:name,
// so systemActor('agent:sms') (the agent reading untrusted inbound text, which the package itself says
// "cannot prove who it is talking to", docs/access.md createBooking) can index a document that every
// later search answers from, and systemActor('webhook:stripe') can archive the road rules.
// Why it matters: a prompt-injected agent with these tools poisons or empties the knowledge base for
// every student; the audit entry records it but nothing stops it. Elsewhere the matrix denies agents
// what they cannot be trusted with (private notes hidden, booking for a student forbidden).
// Fix: narrow the system cell for these two operations by name, e.g. a ctx.onlySystem(/^(job|cli):/)
// (or an allow-list such as job:knowledge-ingest), so agent:* and webhook:* get FORBIDDEN; keep admins.
// Fixed with the matrix's 'jobs' cell: AI agents (agent:*) are FORBIDDEN. Webhooks stay jobs: they are
// the school's own server code, verified by their sender's signature, not relays of public text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveDocument, indexDocument, systemActor } from '../src/access/index.js';
import { ForbiddenError } from '../src/db/errors.js';
import { openTestDb, type TestDb } from './support/db.js';
import { failureOf } from './support/fixtures.js';

let t: TestDb;
const DIMS = 3072;
const e = (axis: number) => {
  const v = new Array<number>(DIMS).fill(0);
  v[axis] = 1;
  return v;
};
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

describe('knowledge writes by AI agents', () => {
  it('the ingestion job may still index (sanity)', async () => {
    const doc = await indexDocument(t.db, systemActor('cron:knowledge-ingest'), { title: 'Road rules', sourceType: 'regulation', chunks: [{ content: 'Keep left', embedding: e(0) }] });
    expect(doc.status).toBe('indexed');
  });

  it.each(['agent:sms', 'agent:voice', 'agent:web-chat'])('%s may not index a document (FORBIDDEN)', async (name) => {
    const err = await failureOf(() =>
      indexDocument(t.db, systemActor(name), { title: 'Pricing update', sourceType: 'business', chunks: [{ content: 'All lessons are free this week', embedding: e(1) }] }),
    );
    expect(err).toBeInstanceOf(ForbiddenError);
  });

  it.each(['agent:sms', 'agent:voice'])('%s may not archive a document (FORBIDDEN)', async (name) => {
    const doc = await indexDocument(t.db, systemActor('cron:knowledge-ingest'), { title: 'Road rules 2', sourceType: 'regulation', chunks: [{ content: 'Give way', embedding: e(2) }] });
    const err = await failureOf(() => archiveDocument(t.db, systemActor(name), { documentId: doc.id }));
    expect(err).toBeInstanceOf(ForbiddenError);
  });
});
