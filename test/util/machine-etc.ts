/**
 * A digest of the machine's /etc (type, mode, owner and content of every entry), to prove a
 * run changed nothing there. Left out: files the OS itself rewrites on its own schedule
 * (dynamic linker cache, resolver configuration, clock drift), never written by odoops.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';

export const CHANGED_BY_THE_OS: readonly string[] = ['/etc/ld.so.cache', '/etc/resolv.conf', '/etc/adjtime'];

export async function etcDigest(root = '/etc'): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (p: string): Promise<void> => {
    if (CHANGED_BY_THE_OS.includes(p)) return;
    const st = await lstat(p);
    const head = `${st.mode.toString(8)} ${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) out.set(p, `${head} -> ${await readlink(p)}`);
    else if (st.isFile()) out.set(p, `${head} ${createHash('sha256').update(await readFile(p)).digest('hex')}`);
    else if (st.isDirectory()) {
      out.set(p, `${head} dir`);
      for (const e of (await readdir(p)).sort()) await walk(path.join(p, e));
    } else out.set(p, `${head} special`);
  };
  await walk(root);
  return out;
}

export function differences(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) if (a.get(k) !== b.get(k)) out.push(`${k}: ${a.get(k) ?? 'absent'} -> ${b.get(k) ?? 'absent'}`);
  return out.sort();
}
