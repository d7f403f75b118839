// The pure rules of parent invitations (issue 17 item 4): a single-use token of 32 random bytes, given
// to the inviter once (to send by SMS or email), of which the database keeps only the SHA-256, so a
// copy of the database cannot accept an invitation; and the limit of parents per student.
import { createHash, randomBytes } from 'node:crypto';

/** At most this many active parent links per student (domain-rules.md; the database's ND005 trigger holds it). */
export const MAX_PARENTS_PER_STUDENT = 5;
export const DEFAULT_INVITATION_DAYS = 7;

export function newInvitationToken(): string {
  return randomBytes(32).toString('base64url');
}

export function invitationTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
