// A second (third...) process for tests/embedded-lock.test.ts. The embedded folder is PGLITE_DATA_DIR.
//   hold                     open the folder with createDb(), print {"ready":...}, hold it until SIGTERM
//   append N                 open with createDb(), insert N audit rows (4 at a time), print the ids committed
//   lazy-append N            the same through the lazy `db` of src/db/index.ts, then closeDb()
//   race DATA_DIR GO_FILE    print "ready", wait for GO_FILE to exist, take the folder's lock, print
//                            "won PID" and hold the lock until SIGTERM
//   exit-holding DATA_DIR    take the folder's lock and exit without releasing it
// Failures print one line `error: CODE: message` and exit 1, like every command (src/cli/run.ts).
import { existsSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { runCommand } from '../../src/cli/run.js';
import { createDb } from '../../src/db/client.js';
import { closeDb, db, openedDbHandle } from '../../src/db/index.js';
import { acquireFolderLock } from '../../src/db/engines/folder-lock.js';
import { auditLog } from '../../src/db/schema/index.js';

const untilSignal = () =>
  new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    setInterval(() => {}, 60_000); // keeps the event loop alive
  });

const [mode, ...args] = process.argv.slice(2);

runCommand(async () => {
  switch (mode) {
    case 'hold': {
      const handle = await createDb();
      await handle.db.execute(sql`select 1`);
      console.log(JSON.stringify({ ready: true, pid: process.pid, location: handle.location }));
      await untilSignal();
      await handle.close();
      return 0;
    }
    case 'append': {
      const count = Number(args[0]);
      const handle = await createDb();
      const ids: string[] = [];
      try {
        for (let i = 0; i < count; i += 4) {
          const batch = Array.from({ length: Math.min(4, count - i) }, (_, k) =>
            handle.db
              .insert(auditLog)
              .values({ eventType: 'LOCK_TEST_CHILD', details: { child: process.pid, n: i + k } })
              .returning({ id: auditLog.id }),
          );
          for (const [row] of await Promise.all(batch)) ids.push(row.id);
        }
      } finally {
        await handle.close();
      }
      console.log(JSON.stringify({ location: handle.location, engine: handle.engine, ids }));
      return 0;
    }
    case 'lazy-append': {
      const ids: string[] = [];
      for (let i = 0; i < Number(args[0]); i++) {
        const [row] = await db.insert(auditLog).values({ eventType: 'LOCK_TEST_LAZY', details: { n: i } }).returning({ id: auditLog.id });
        ids.push(row.id);
      }
      const { location, engine } = openedDbHandle()!;
      await closeDb();
      console.log(JSON.stringify({ location, engine, ids }));
      return 0;
    }
    case 'exit-holding': {
      const lock = acquireFolderLock(args[0]);
      console.log(JSON.stringify({ held: lock.path }));
      process.exit(0); // no release(): the exit handler must remove it
    }
    case 'race': {
      const [dataDir, goFile] = args;
      await new Promise((resolve) => process.stdout.write('ready\n', resolve)); // before the loop blocks
      while (!existsSync(goFile)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      const lock = acquireFolderLock(dataDir);
      console.log(`won ${process.pid}`);
      await untilSignal();
      lock.release();
      return 0;
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
});
