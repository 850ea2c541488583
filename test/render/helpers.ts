/** Shared bits of the renderer tests: the example fleet resolved, rendered files on disk. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDesiredState } from '../../operator/desired/load.ts';
import type { ClientSpec, DesiredState } from '../../operator/desired/types.ts';
import type { RenderedFile } from '../../operator/render/types.ts';
import { exampleRepo } from '../desired/helpers.ts';

let cached: Promise<DesiredState> | null = null;

/** examples/fleet, committed into a temp repo and loaded like any config repo. */
export function exampleState(): Promise<DesiredState> {
  cached ??= (async () => {
    const { dir } = exampleRepo();
    try {
      return await loadDesiredState({ repo: dir });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  })();
  return cached;
}

export async function exampleClient(name: string): Promise<ClientSpec> {
  const c = (await exampleState()).clients.find((x) => x.name === name);
  if (!c) throw new Error(`no example client ${name}`);
  return c;
}

/** A temp directory other users can traverse (daemons drop to their own user: nagios, postgres). */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `odoops-render-${prefix}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Writes files under `root` (their absolute server paths re-rooted there); returns root + path. */
export function writeUnder(root: string, files: readonly RenderedFile[]): (serverPath: string) => string {
  for (const f of files) {
    const abs = path.join(root, f.path);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, f.content, { mode: f.mode });
    fs.chmodSync(abs, f.mode);
  }
  return (p: string) => path.join(root, p);
}

export function fileAt(files: readonly RenderedFile[], p: string): RenderedFile {
  const f = files.find((x) => x.path === p);
  if (!f) throw new Error(`no rendered file ${p} (have ${files.map((x) => x.path).join(', ')})`);
  return f;
}
