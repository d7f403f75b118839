// The outbox's pure rules (src/access/notifications/rules.ts), without a database: SMS segments by
// worked example (GSM-7 160/153 with the extension table counting two, UCS-2 70/67), the retry
// schedule of SPEC-07 (30 s, 2 min, 10 min, then failed), monotonic delivery reports, opt-out
// keywords, template rendering, conversation idleness.
import { describe, expect, it } from 'vitest';
import {
  afterFailure, canMoveNotification, deliveryMove, isOptable, MAX_ATTEMPTS, NOTIFICATION_TRANSITIONS, optKeyword, renderTemplate,
  RETRY_DELAYS_SECONDS, smsLength,
} from '../src/access/index.js';
import { isStale } from '../src/access/notifications/rules.js';
import { NOTIFICATION_STATUSES } from '../src/db/schema/enums.js';
import { SegmentedMessage } from 'sms-segments-calculator';
import fc from './support/property.js';

describe('smsLength', () => {
  it.each([
    ['empty', '', 'GSM-7', 1],
    ['160 GSM-7 characters: one segment', 'a'.repeat(160), 'GSM-7', 1],
    ['161 GSM-7 characters: two (153 per part)', 'a'.repeat(161), 'GSM-7', 2],
    ['306 GSM-7 characters: two', 'a'.repeat(306), 'GSM-7', 2],
    ['307 GSM-7 characters: three', 'a'.repeat(307), 'GSM-7', 3],
    ['80 euro signs (extension table, 2 septets each) = 160 septets: one', '€'.repeat(80), 'GSM-7', 1],
    ['81 euro signs = 162 septets: two', '€'.repeat(81), 'GSM-7', 2],
    ['153 septets of which 152 are brackets: one', `${'['.repeat(76)}a`, 'GSM-7', 1],
    ['é is in the GSM-7 basic table', 'Café at 10:00', 'GSM-7', 1],
    ['70 UCS-2 code units (one non-GSM character makes the whole message UCS-2): one', `ą${'a'.repeat(69)}`, 'UCS-2', 1],
    ['71 UCS-2 code units: two (67 per part)', `ą${'a'.repeat(70)}`, 'UCS-2', 2],
    ['134 UCS-2 code units: two', `ą${'a'.repeat(133)}`, 'UCS-2', 2],
    ['135 UCS-2 code units: three', `ą${'a'.repeat(134)}`, 'UCS-2', 3],
    ['35 emoji = 70 code units (surrogate pairs): one', '😀'.repeat(35), 'UCS-2', 1],
    ['36 emoji = 72 code units: two', '😀'.repeat(36), 'UCS-2', 2],
  ] as const)('%s', (_title, body, encoding, segments) => {
    expect(smsLength(body)).toEqual({ encoding, segments });
  });

  it('counts like Twilio\'s calculator on any text, its plain-ASCII shortcut included (property, fixed seed)', () => {
    const ascii = 'abcXYZ019 \n\r!"#$%&\'()*+,-./:;<=>?@_';
    const others = '[]{}\\^~|`€éñ£ąß😀\u00a0';
    const char = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...ascii) }, { weight: 1, arbitrary: fc.constantFrom(...Array.from(others)) });
    fc.assert(
      fc.property(fc.array(char, { maxLength: 420 }), fc.nat({ max: 400 }), (chars, repeat) => {
        const body = chars.join('') + 'a'.repeat(repeat % 2 ? repeat : 0);
        const message = new SegmentedMessage(body, 'auto');
        expect(smsLength(body)).toEqual({ encoding: message.encodingName, segments: Math.max(message.segmentsCount, 1) });
      }),
      { numRuns: 300 },
    );
    // and the shortcut alone, on long plain-ASCII bodies (line breaks included)
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ascii), { maxLength: 480 }), (chars) => {
        const body = chars.join('');
        const message = new SegmentedMessage(body, 'auto');
        expect(smsLength(body)).toEqual({ encoding: message.encodingName, segments: Math.max(message.segmentsCount, 1) });
      }),
      { numRuns: 300 },
    );
  });

  it('counts a real reminder as one GSM-7 segment', () => {
    expect(smsLength('NexDrive reminder: You have a 60min lesson tomorrow at 10:00 AM. See you then! Reply STOP to opt out.')).toEqual({ encoding: 'GSM-7', segments: 1 });
  });
});

describe('afterFailure (SPEC-07 key rule 7)', () => {
  it('retries after 30 s, 2 min and 10 min, then fails after the 4th attempt', () => {
    expect(RETRY_DELAYS_SECONDS).toEqual([30, 120, 600]);
    expect(MAX_ATTEMPTS).toBe(4);
    expect([1, 2, 3, 4].map((n) => afterFailure(n))).toEqual([
      { status: 'pending', retryInSeconds: 30 },
      { status: 'pending', retryInSeconds: 120 },
      { status: 'pending', retryInSeconds: 600 },
      { status: 'failed' },
    ]);
  });

  it('fails at once when a retry cannot help', () => {
    expect(afterFailure(1, false)).toEqual({ status: 'failed' });
  });
});

describe('deliveryMove', () => {
  it('moves a sent notification to delivered, failed or bounced, and nothing else', () => {
    expect(deliveryMove('sent', 'delivered')).toBe('apply');
    expect(deliveryMove('sent', 'failed')).toBe('apply');
    expect(deliveryMove('sent', 'bounced')).toBe('apply');
    expect(deliveryMove('sent', 'sent')).toBe('ignore');
  });

  it('never moves a final status, whatever arrives late (a sent after delivered, a delivered after failed)', () => {
    for (const final of ['delivered', 'failed', 'bounced', 'skipped'] as const) {
      for (const reported of ['sent', 'delivered', 'failed', 'bounced'] as const) expect(deliveryMove(final, reported), `${final} <- ${reported}`).toBe('ignore');
    }
  });

  it('leaves a row the worker has not reported sent yet to the worker', () => {
    expect(deliveryMove('sending', 'delivered')).toBe('ignore');
    expect(deliveryMove('pending', 'delivered')).toBe('ignore');
  });
});

describe('NOTIFICATION_TRANSITIONS', () => {
  it('has a row for every status; delivered, failed, bounced and skipped are final', () => {
    expect(Object.keys(NOTIFICATION_TRANSITIONS).sort()).toEqual([...NOTIFICATION_STATUSES].sort());
    for (const final of ['delivered', 'failed', 'bounced', 'skipped'] as const) expect(NOTIFICATION_TRANSITIONS[final]).toEqual([]);
    expect(canMoveNotification('sent', 'pending')).toBe(false);
    expect(canMoveNotification('sending', 'pending')).toBe(true);
  });
});

describe('optKeyword', () => {
  it.each([['STOP', 'out'], [' stop ', 'out'], ['Stop.', 'out'], ['UNSUBSCRIBE', 'out'], ['start', 'in'], ['UNSTOP', 'in']] as const)('%s is %s', (body, want) => {
    expect(optKeyword(body)).toBe(want);
  });

  it.each(['stop by at 3', 'Please stop texting me at work', 'STOP STOP', '', 'stopping'])('"%s" is not a keyword', (body) => {
    expect(optKeyword(body)).toBeNull();
  });
});

describe('renderTemplate', () => {
  it('fills each placeholder, as often as it appears', () => {
    expect(renderTemplate('Hi {name}, {name}! {n} credits', { name: 'Sam', n: 2 })).toEqual({ text: 'Hi Sam, Sam! 2 credits', missing: [] });
  });

  it('names each placeholder without a value instead of sending an empty gap', () => {
    expect(renderTemplate('At {time} on {date}', { time: '10:00' }).missing).toEqual(['date']);
    expect(renderTemplate('{a}{a}', { a: null }).missing).toEqual(['a']);
  });

  it('leaves text that only looks like a placeholder alone', () => {
    expect(renderTemplate('{ not one } {1x}', {})).toEqual({ text: '{ not one } {1x}', missing: [] });
  });
});

describe('preferences and threads', () => {
  it('keeps the required types required', () => {
    expect(isOptable('booking_confirmation')).toBe(false);
    expect(isOptable('booking_reminder_24h')).toBe(true);
  });

  it('starts a new SMS thread after 24 h without a message, a web chat after 30 min', () => {
    const last = new Date('2026-12-01T10:00:00Z');
    expect(isStale('sms', last, new Date('2026-12-02T10:00:00Z'))).toBe(false);
    expect(isStale('sms', last, new Date('2026-12-02T10:00:01Z'))).toBe(true);
    expect(isStale('web_chat', last, new Date('2026-12-01T10:30:00Z'))).toBe(false);
    expect(isStale('web_chat', last, new Date('2026-12-01T10:30:01Z'))).toBe(true);
  });
});
