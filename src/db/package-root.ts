// Where this package's own files are (drizzle/migrations, docs/), found the same way from src/ (tsx,
// vitest) and from dist/ (an installed package): walk up from this module to the package.json named
// @nexdrive/db. No `new URL('../..', import.meta.url)`: bundlers take that pattern for an asset import.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = '@nexdrive/db';
let cached: string | undefined;

/** The folder holding this package's package.json. */
export function packageRoot(): string {
  if (cached) return cached;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) {
      return (cached = dir);
    }
    if (path.dirname(dir) === dir) throw new Error(`${PACKAGE_NAME}: no package.json of ours above ${start}`);
  }
}

/** A path inside the package, e.g. packagePath('drizzle', 'migrations'). */
export function packagePath(...parts: string[]): string {
  return path.join(packageRoot(), ...parts);
}
