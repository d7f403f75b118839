// Inbound messages and calls (SPEC-09 voice, SPEC-10 SMS, SPEC-11 web chat), as their providers report
// them: at least once, out of order. Each is recorded once, by the provider's id (a transaction lock on
// the id, then the unique index as the last line), its sender found or created as a CRM contact by
// phone (the contacts core of issue 17), and a message threaded into the one open conversation of its
// contact (SMS) or session (web chat); a thread idle longer than SPEC-10's 24 h (SPEC-11's 30 min) is
// closed and a new one started. A STOP reply opts the number out of every SMS; START opts it back in.
// messages and call_logs stay append-only: a message's delivery state is the outbox's, never an update.
import { and, eq, ne, sql } from 'drizzle-orm';
import { ForbiddenError } from '../../db/errors.js';
import { callLogs, conversations, messages } from '../../db/schema/index.js';
import type { Conversation } from '../../db/types.js';
import { actorName, webhookProvider } from '../core/actor.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { findOrCreateContactRow } from '../crm/contacts.js';
import { recordCallInput, recordInboundMessageInput } from './inputs.js';
import { setNumberOptOut } from './preferences.js';
import { isStale, optKeyword } from './rules.js';

/** Serialises the deliveries of one provider id: the second waits, then finds the first's row. */
async function lockProviderId(ctx: OperationContext, kind: string, id: string): Promise<void> {
  await ctx.tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`nexdrive:${kind}:${id}`}, 0))`);
}

/** SMS comes from Twilio's webhook, web chat from the web chat agent: each channel from its own caller. */
function checkChannelCaller(ctx: OperationContext, channel: 'sms' | 'web_chat'): void {
  ctx.school();
  const ok = channel === 'sms' ? webhookProvider(ctx.actor) === 'twilio' : actorName(ctx.actor) === 'agent:web-chat';
  if (!ok) throw new ForbiddenError(`${actorName(ctx.actor)} does not report ${channel} messages (SMS: webhook:twilio; web chat: agent:web-chat)`);
}

/** The open conversation of this thread, locked, or null (a stale one is closed on the way). */
async function openConversation(ctx: OperationContext, channel: 'sms' | 'web_chat', thread: { contactId: string | null; sessionId?: string }): Promise<Conversation | null> {
  const where =
    channel === 'sms'
      ? and(eq(conversations.channel, 'sms'), eq(conversations.contactId, thread.contactId!), ne(conversations.status, 'closed'))
      : and(eq(conversations.channel, 'web_chat'), eq(conversations.channelIdentifier, thread.sessionId!), ne(conversations.status, 'closed'));
  const [row] = await ctx.tx.select({ conversation: conversations, now: sql<string>`now()` }).from(conversations).where(where).for('update', { of: conversations });
  if (!row) return null;
  if (!isStale(channel, row.conversation.lastMessageAt, new Date(row.now))) return row.conversation;
  await ctx.tx.update(conversations).set({ status: 'closed' }).where(eq(conversations.id, row.conversation.id));
  return null;
}

/** The thread's open conversation, or a new one (concurrent first messages of one thread make one). */
async function threadFor(ctx: OperationContext, channel: 'sms' | 'web_chat', thread: { contactId: string | null; phone?: string; sessionId?: string }): Promise<{ conversation: Conversation; started: boolean }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const open = await openConversation(ctx, channel, thread);
    if (open) {
      if (open.contactId === null && thread.contactId !== null) {
        const [linked] = await ctx.tx.update(conversations).set({ contactId: thread.contactId }).where(eq(conversations.id, open.id)).returning();
        return { conversation: linked, started: false };
      }
      return { conversation: open, started: false };
    }
    const [created] = await ctx.tx
      .insert(conversations)
      .values({ channel, contactId: thread.contactId, channelIdentifier: channel === 'sms' ? thread.phone! : thread.sessionId!, messageCount: 0 })
      .onConflictDoNothing()
      .returning();
    if (created) return { conversation: created, started: true };
    // another delivery opened it first: take that one
  }
  throw new Error('recordInboundMessage: no open conversation after three tries'); // cannot happen: the unique index names one
}

export interface InboundResult {
  messageId: string;
  conversationId: string;
  contactId: string | null;
  /** True when this provider id was recorded before: nothing new was written. */
  duplicate: boolean;
  /** True when this message started a new conversation. */
  conversationStarted: boolean;
  /** 'out' after a STOP, 'in' after a START that changed the number's opt-out; null otherwise. */
  optOut: 'out' | 'in' | null;
}

export const recordInboundMessage = defineOperation({
  name: 'recordInboundMessage',
  kind: 'write',
  input: recordInboundMessageInput,
  async run(ctx, input): Promise<InboundResult> {
    checkChannelCaller(ctx, input.channel);
    await lockProviderId(ctx, 'message', input.providerMessageId);
    const [seen] = await ctx.tx
      .select({ id: messages.id, conversationId: messages.conversationId, contactId: conversations.contactId })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(eq(messages.externalId, input.providerMessageId));
    if (seen) return { messageId: seen.id, conversationId: seen.conversationId, contactId: seen.contactId, duplicate: true, conversationStarted: false, optOut: null };

    const contact = input.from === undefined ? null : (await findOrCreateContactRow(ctx, { phone: input.from, firstName: input.firstName, source: input.channel }, 'recordInboundMessage')).row;
    const contactId = contact?.id ?? null;
    const { conversation, started } = await threadFor(ctx, input.channel, { contactId, phone: input.from, sessionId: input.sessionId });
    const [message] = await ctx.tx
      .insert(messages)
      .values({ conversationId: conversation.id, direction: 'inbound', senderType: 'user', content: input.body, externalId: input.providerMessageId })
      .returning();
    await ctx.tx
      .update(conversations)
      .set({ messageCount: sql`${conversations.messageCount} + 1`, lastMessageAt: sql`greatest(${conversations.lastMessageAt}, now())` })
      .where(eq(conversations.id, conversation.id));

    let optOut: InboundResult['optOut'] = null;
    const keyword = input.channel === 'sms' ? optKeyword(input.body) : null;
    if (keyword && contactId && (await setNumberOptOut(ctx, input.from!, keyword === 'out', contactId))) optOut = keyword;
    return { messageId: message.id, conversationId: conversation.id, contactId, duplicate: false, conversationStarted: started, optOut };
  },
});

export interface CallResult {
  callLogId: string;
  contactId: string;
  duplicate: boolean;
}

/**
 * A voice agent's call, logged once when its end-of-call report arrives (call_logs is append-only), by
 * the provider's call id; the caller found or created as a contact by phone. Only the voice provider's
 * own webhook logs its calls (webhook:vapi for voiceProvider vapi).
 */
export const recordCall = defineOperation({
  name: 'recordCall',
  kind: 'write',
  input: recordCallInput,
  async run(ctx, input): Promise<CallResult> {
    ctx.school();
    if (webhookProvider(ctx.actor) !== input.voiceProvider) {
      throw new ForbiddenError(`${actorName(ctx.actor)} does not log ${input.voiceProvider} calls (webhook:${input.voiceProvider} does)`);
    }
    await lockProviderId(ctx, `call:${input.voiceProvider}`, input.externalCallId);
    const [seen] = await ctx.tx
      .select({ id: callLogs.id, contactId: callLogs.contactId })
      .from(callLogs)
      .where(and(eq(callLogs.voiceProvider, input.voiceProvider), eq(callLogs.externalCallId, input.externalCallId)));
    if (seen) return { callLogId: seen.id, contactId: seen.contactId!, duplicate: true };

    const { row: contact } = await findOrCreateContactRow(ctx, { phone: input.callerPhone, firstName: input.callerName, source: 'phone' }, 'recordCall');
    const durationSeconds = input.endedAt ? Math.round((input.endedAt.getTime() - input.startedAt.getTime()) / 1000) : null;
    const [row] = await ctx.tx
      .insert(callLogs)
      .values({
        contactId: contact.id,
        callerPhone: input.callerPhone,
        callDirection: input.direction,
        startedAt: input.startedAt,
        endedAt: input.endedAt ?? null,
        durationSeconds,
        outcome: input.outcome,
        resolution: input.resolution ?? null,
        transcript: input.transcript ?? null,
        summary: input.summary ?? null,
        callerName: input.callerName ?? null,
        callerReason: input.callerReason ?? null,
        voiceProvider: input.voiceProvider,
        externalCallId: input.externalCallId,
        requiresCallback: input.requiresCallback,
      })
      .returning({ id: callLogs.id });
    return { callLogId: row.id, contactId: contact.id, duplicate: false };
  },
});
