/**
 * Managed files: rendered vs what the server holds -> per unit, the files to create or
 * update (with a unified diff, secrets never shown) and, for safe units, a typed action.
 * Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import type { Reason } from '../plan/types.ts';
import type { RenderedFile } from '../render/types.ts';
import { redact } from '../secrets/index.ts';
import type { LiveManaged, ManagedDrift, ManagedFileChange, ManagedPlan, ManagedRendering } from './types.ts';

/** The digest the read reports for a file's content: "sha256:<hex>". */
export function fileDigest(content: string): string {
  return `sha256:${createHash('sha256').update(content, 'utf8').digest('hex')}`;
}

const DIFF_MAX_CHARS = 20_000;

/** A unified diff live -> desired, redacted of every secret value; secret files are never shown. */
export function unifiedDiff(path: string, from: string | null, to: string, opts: { secret: boolean; secretValues: readonly string[] }): string {
  if (opts.secret) return `(${path} holds a secret: contents not shown)\n`;
  if (from === null && opts.secretValues.length === 0 && to.length > DIFF_MAX_CHARS) return `(new file, ${to.length} characters)\n`;
  const patch = createTwoFilesPatch(path, path, from ?? '', to, from === null ? 'absent' : 'live', 'desired', { context: 3 });
  // The first line of jsdiff's patch is an "Index:"-like separator; keep from "---".
  const body = patch.slice(patch.indexOf('---'));
  const text = body.length > DIFF_MAX_CHARS ? `${body.slice(0, DIFF_MAX_CHARS)}\n... (diff cut at ${DIFF_MAX_CHARS} characters)\n` : body;
  return redact(text, opts.secretValues);
}

function fileChange(f: RenderedFile, live: LiveManaged['files'][string] | undefined, secretValues: readonly string[]): ManagedFileChange | null {
  const owner = f.owner ?? 'root:root';
  const to = { mode: f.mode, owner };
  if (!live || !live.exists) {
    return { path: f.path, change: 'create', differs: ['content', 'mode', 'owner'], from: null, to, diff: unifiedDiff(f.path, null, f.content, { secret: Boolean(f.secret), secretValues }), secret: Boolean(f.secret) };
  }
  const differs: ManagedFileChange['differs'] = [];
  if (live.digest !== fileDigest(f.content)) differs.push('content');
  if (live.mode !== f.mode) differs.push('mode');
  if (live.owner !== owner) differs.push('owner');
  if (differs.length === 0) return null;
  const diff = differs.includes('content')
    ? unifiedDiff(f.path, live.content ?? null, f.content, { secret: Boolean(f.secret) || live.content === undefined, secretValues })
    : '';
  return { path: f.path, change: 'update', differs, from: { mode: live.mode, owner: live.owner }, to, diff, secret: Boolean(f.secret) };
}

export interface ManagedPlanInput {
  target: string;
  renderings: ManagedRendering[];
  refused?: { unit: string; reason: Reason }[];
  /** What the server holds; a Reason when it could not be read. */
  live: LiveManaged | Reason;
  /** Every resolved secret value: diffs are redacted of them. */
  secretValues?: readonly string[];
}

export function planManaged(input: ManagedPlanInput): ManagedPlan {
  const refused = [...(input.refused ?? [])];
  const plan: ManagedPlan = { target: input.target, drift: [], actions: [], refused };
  const live = input.live;
  if ('code' in live) return { ...plan, blocked: live };
  for (const r of input.renderings) {
    const unreadable = r.files.map((f) => live.files[f.path]).filter((l) => l?.error);
    if (unreadable.length > 0) {
      refused.push({ unit: r.unit, reason: { code: 'live-incomplete', message: `${r.unit}: cannot read ${unreadable.map((l) => `${l!.path} (${l!.error})`).join(', ')}` } });
      continue;
    }
    const files = r.files.map((f) => fileChange(f, live.files[f.path], input.secretValues ?? [])).filter((c): c is ManagedFileChange => c !== null);
    if (files.length === 0) continue;
    const drift: ManagedDrift = { unit: r.unit, target: r.target, safe: r.safe, files };
    plan.drift.push(drift);
    if (!r.safe) continue;
    plan.actions.push({
      kind: 'write-managed-files',
      unit: r.unit,
      target: r.target,
      digest: r.digest,
      files,
      validate: r.validate.map((v) => v.label),
      activate: r.activate.map((a) => a.label),
      guard: r.guard,
    });
  }
  return plan;
}

export { managedChanges, managedHasActions } from '../plan/managed.ts';
