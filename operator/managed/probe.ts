/**
 * Reads what a server holds at every managed path, in one read-only call. Secret files never
 * come back: the server returns an HMAC keyed for this read only, compared here with the
 * rendered content's, so the plan sees the rendered digest when they match.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { managedRead } from '../host/managed.ts';
import type { HostSession } from '../live/ssh.ts';
import type { Reason } from '../plan/types.ts';
import { errorMessage } from '../util/errors.ts';
import { fileDigest } from './plan.ts';
import type { LiveManaged, LiveManagedFile, ManagedRendering } from './types.ts';

interface RawFile {
  path: string;
  exists: boolean;
  mode?: number;
  owner?: string;
  sha256?: string;
  hmac?: string;
  content?: string;
  error?: string;
}

export async function probeManaged(session: HostSession, renderings: ManagedRendering[]): Promise<LiveManaged | Reason> {
  const wanted = new Map(renderings.flatMap((r) => r.files.map((f) => [f.path, f] as const)));
  if (wanted.size === 0) return { files: {} };
  const key = randomBytes(32).toString('hex');
  let raw: { files: RawFile[] };
  try {
    const res = await session.exec(managedRead([...wanted.values()].map((f) => ({ path: f.path, secret: Boolean(f.secret) })), key));
    if (res.code !== 0) return { code: 'live-incomplete', message: `reading the managed files on ${session.label} failed (exit ${res.code}): ${res.stderr.trim().split('\n').pop() ?? ''}` };
    raw = JSON.parse(res.stdout) as { files: RawFile[] };
  } catch (err) {
    return { code: 'unreachable', message: errorMessage(err) };
  }
  const files: Record<string, LiveManagedFile> = {};
  for (const f of raw.files) {
    const rendered = wanted.get(f.path);
    let digest: string | null = null;
    if (f.sha256) digest = `sha256:${f.sha256}`;
    else if (f.hmac && rendered) {
      const want = createHmac('sha256', Buffer.from(key, 'hex')).update(rendered.content, 'utf8').digest('hex');
      digest = want === f.hmac ? fileDigest(rendered.content) : 'secret:differs';
    }
    files[f.path] = {
      path: f.path,
      exists: f.exists,
      digest,
      mode: f.mode ?? null,
      owner: f.owner ?? null,
      ...(f.content !== undefined ? { content: f.content } : {}),
      ...(f.error ? { error: f.error } : {}),
    };
  }
  return { files };
}
