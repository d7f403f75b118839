// Stands in for Clerk: the acting user from request headers (x-user-id, x-user-role). Never do this in
// production: a header is whatever the caller sends.
import type { UserActor } from '@nexdrive/db';

export function actorFrom(headers: Headers): UserActor {
  return { userId: headers.get('x-user-id') ?? 'user_anonymous', role: (headers.get('x-user-role') ?? 'student') as UserActor['role'] };
}
