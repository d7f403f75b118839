// npm run db:link-instructor -- --clerk-id=user_xxx --adi=608 [--adi-expiry=2027-06-30]
//   [--first-name=Rob --last-name=Harrison --email=rob@example.com --phone=+614...] [--owner] [--force]
// Creates or links the instructor record (and the profile, if the Clerk webhook has not made it yet).
// It acts as the system actor cli:link-instructor, which the audit log records.
import { linkInstructor } from '../access/people/instructors.js';
import { systemActor } from '../access/core/actor.js';
import { ConfigError } from '../db/errors.js';
import { parseFlags, runCommand, withDb } from './run.js';

const USAGE =
  'usage: npm run db:link-instructor -- --clerk-id=user_xxx --adi=608 [--adi-expiry=YYYY-MM-DD] [--first-name=.. --last-name=.. --email=..] [--phone=..] [--owner] [--force]';
const KNOWN = new Set(['clerk-id', 'adi', 'adi-expiry', 'first-name', 'last-name', 'email', 'phone', 'owner', 'force']);

runCommand(async () => {
  const flags = parseFlags(process.argv.slice(2));
  const unknown = Object.keys(flags).filter((f) => !KNOWN.has(f));
  if (unknown.length) throw new ConfigError(`unknown flag ${unknown.map((f) => `--${f}`).join(', ')}; ${USAGE}`);
  const absent = ['clerk-id', 'adi'].filter((f) => typeof flags[f] !== 'string');
  if (absent.length) throw new ConfigError(`missing ${absent.map((f) => `--${f}=...`).join(' and ')}; ${USAGE}`);
  const text = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  return withDb(async (handle) => {
    const r = await linkInstructor(handle.db, systemActor('cli:link-instructor'), {
      clerkId: text('clerk-id')!,
      adiNumber: text('adi')!,
      adiExpiry: text('adi-expiry'),
      firstName: text('first-name'),
      lastName: text('last-name'),
      email: text('email'),
      phone: text('phone'),
      isOwner: flags.owner === true ? true : undefined,
      force: flags.force === true ? true : undefined,
    });
    const what = r.instructorCreated ? 'created' : r.relinked ? `linked (was ${r.previousUserId})` : 'already linked, nothing changed';
    console.log(`instructor ADI ${r.instructor.adiNumber} -> ${r.instructor.userId}: ${what}${r.profileCreated ? ' (profile created)' : ''}`);
    return 0;
  });
});
