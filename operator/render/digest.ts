/**
 * The stable content digest of rendered files, and the one constructor of a Rendering.
 * node:crypto is used for hashing only (no I/O): renderers stay pure.
 */
import { createHash } from 'node:crypto';
import type { RenderedFile, Rendering, ValidationCommand } from './types.ts';
import { RenderError } from './types.ts';

/**
 * sha256 over every file's path, mode, owner and content, in path order: the same files in
 * any order give the same digest; any byte, mode or owner change gives another one.
 */
export function contentDigest(files: readonly RenderedFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    // Length-prefixed fields: no content can be crafted to look like a field boundary.
    for (const field of [f.path, f.mode.toString(8), f.owner ?? 'root:root', f.content]) {
      const bytes = Buffer.from(field, 'utf8');
      h.update(`${bytes.length}:`);
      h.update(bytes);
    }
  }
  return `sha256:${h.digest('hex')}`;
}

/** Files sorted by path, each path once and absolute. */
export function rendering(target: string, files: RenderedFile[], validate: ValidationCommand[] = []): Rendering {
  const seen = new Set<string>();
  for (const f of files) {
    if (!f.path.startsWith('/') || f.path.split('/').includes('..')) throw new RenderError('invalid-value', `${target}: rendered path ${f.path} is not absolute`);
    if (seen.has(f.path)) throw new RenderError('invalid-value', `${target}: ${f.path} rendered twice`);
    seen.add(f.path);
  }
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { target, files: sorted, validate, digest: contentDigest(sorted) };
}
