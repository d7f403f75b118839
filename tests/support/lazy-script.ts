// A script as the README shows it: uses the lazy `db` and never calls closeDb(). It must exit by itself.
import { db } from '../../src/index.js';
import { services } from '../../src/db/schema/index.js';

const rows = await db.select().from(services);
console.log(`lazy db answered: ${rows.length} services`);
// What would keep the process alive now that its work is done (unref'd timers are not listed).
console.log(`timers keeping the process alive: ${process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length}`);
