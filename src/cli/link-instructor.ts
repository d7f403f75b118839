// nexdrive-db link-instructor --clerk-id=user_xxx --adi=608 [--adi-expiry=2027-06-30]
//   [--first-name=Rob --last-name=Harrison --email=rob@example.com --phone=+614...] [--owner] [--force]
// Creates or links the instructor record (and the profile, if the Clerk webhook has not made it yet).
// It acts as the system actor cli:link-instructor, which the audit log records.
import { linkInstructor } from '../access/people/instructors.js';
import { systemActor } from '../access/core/actor.js';
import { parseCommandArgs, runCommand, withDb } from './run.js';

const USAGE =
  'nexdrive-db link-instructor --clerk-id=user_xxx --adi=608 [--adi-expiry=YYYY-MM-DD] [--first-name=.. --last-name=.. --email=..] [--phone=..] [--owner] [--force]   (npm run db:link-instructor -- ...)';

runCommand(async () => {
  const flags = parseCommandArgs({
    usage: USAGE,
    help: [
      'Creates or links the instructor with this ADI number to a Clerk user (and makes the profile if needed).',
      '  --clerk-id     the Clerk user id (required)',
      '  --adi          the ADI number (required)',
      '  --adi-expiry   YYYY-MM-DD',
      '  --first-name, --last-name, --email, --phone   for a profile that does not exist yet',
      '  --owner        the instructor owns the school',
      '  --force        relink an instructor already linked to another user',
    ].join('\n'),
    options: {
      'clerk-id': { type: 'string' },
      adi: { type: 'string' },
      'adi-expiry': { type: 'string' },
      'first-name': { type: 'string' },
      'last-name': { type: 'string' },
      email: { type: 'string' },
      phone: { type: 'string' },
      owner: { type: 'boolean' },
      force: { type: 'boolean' },
    },
    required: ['clerk-id', 'adi'],
  });
  return withDb(async (handle) => {
    const r = await linkInstructor(handle.db, systemActor('cli:link-instructor'), {
      clerkId: flags['clerk-id']!,
      adiNumber: flags.adi!,
      adiExpiry: flags['adi-expiry'],
      firstName: flags['first-name'],
      lastName: flags['last-name'],
      email: flags.email,
      phone: flags.phone,
      isOwner: flags.owner === true ? true : undefined,
      force: flags.force === true ? true : undefined,
    });
    const what = r.instructorCreated ? 'created' : r.relinked ? `linked (was ${r.previousUserId})` : 'already linked, nothing changed';
    console.log(`instructor ADI ${r.instructor.adiNumber} -> ${r.instructor.userId}: ${what}${r.profileCreated ? ' (profile created)' : ''}`);
    return 0;
  });
});
