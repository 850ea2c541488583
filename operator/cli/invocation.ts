/**
 * How to write an odoops command so that it works as printed: `odoops` when that name on
 * PATH runs this very checkout (npm link, a global install of it), else the path of this
 * checkout's bin/odoops.mjs (executable, found without PATH). Used by every command line
 * the CLI, the sandbox and the demo print for a person to copy.
 */
import { accessSync, constants, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return realpathSync(file);
    } catch {
      // not in this directory
    }
  }
  return null;
}

let cached: string | undefined;

export function odoopsCommand(): string {
  if (cached !== undefined) return cached;
  const bin = fileURLToPath(new URL('../../bin/odoops.mjs', import.meta.url));
  const found = onPath('odoops');
  let own = bin;
  try {
    own = realpathSync(bin);
  } catch {
    // keep the path as is
  }
  return (cached = found === own ? 'odoops' : bin);
}
