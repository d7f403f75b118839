// PGlite's PostgreSQL arms timers (its setitimer: the idle statistics flush, statement and lock
// timeouts) with the global setTimeout, re-armed every ~10 s while it has anything to report. Those
// timers kept a script that used the lazy `db` and never called closeDb() alive indefinitely.
// PGlite runs every query synchronously inside WASM, so no query ever waits on one of these timers:
// they may fire, but must not keep the process alive. The global setTimeout is wrapped once to unref
// exactly the timers Emscripten's setitimer creates (their callback calls __emscripten_timeout);
// every other timer is returned untouched.
const INSTALLED = Symbol.for('nexdrive.pglite.unrefTimers');

export function unrefPgliteTimers(): void {
  const g = globalThis as typeof globalThis & { [INSTALLED]?: true };
  if (g[INSTALLED]) return;
  g[INSTALLED] = true;
  const original = g.setTimeout;
  const wrapped = function (this: unknown, handler: unknown, ...rest: unknown[]) {
    const timer = Reflect.apply(original, this, [handler, ...rest]) as ReturnType<typeof setTimeout>;
    if (typeof handler === 'function' && Function.prototype.toString.call(handler).includes('__emscripten_timeout')) {
      timer.unref?.();
    }
    return timer;
  };
  // Keeps setTimeout[util.promisify.custom] and friends.
  Object.assign(wrapped, original);
  g.setTimeout = wrapped as typeof setTimeout;
}
