// What `@nexdrive/db` resolves to in a browser bundle (the `browser` condition of package.json's
// exports): a client component that imports the package fails the app's build. `server-only` is the
// package Next.js documents for this; Next.js turns its import in a client bundle into a build error.
// The throw covers any other bundler: the database layer must never reach a browser.
import 'server-only';

throw new Error(
  '@nexdrive/db is server-only: import it from route handlers, server actions and server components, never from a "use client" file',
);
