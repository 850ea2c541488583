/**
 * Debian's Ansible for the drift benchmark: installed here, when missing, and nowhere else
 * (CI and the tests don't need it; scripts/setup.mjs leaves it out on purpose).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ANSIBLE_PLAYBOOK = '/usr/bin/ansible-playbook';

function run(argv: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; out: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', ...env } });
  return { code: r.error ? 127 : r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** `ansible-playbook --version`, with a throw-away HOME: Ansible creates ~/.ansible/tmp at start. */
function version(): { code: number | null; out: string } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'odoops-bench-ansible-home-'));
  try {
    return run([ANSIBLE_PLAYBOOK, '--version'], { HOME: home, ANSIBLE_LOCAL_TEMP: path.join(home, 'tmp') });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** `ansible-playbook --version`'s first line, installing ansible-core with apt-get first when needed. */
export function ensureAnsible(log: (line: string) => void = console.log): string {
  let v = version();
  if (v.code !== 0) {
    log('ansible-playbook not found: apt-get install -y --no-install-recommends ansible-core');
    const install = ['apt-get', 'install', '-y', '--no-install-recommends', 'ansible-core'];
    let r = run(install);
    if (r.code !== 0) {
      // A stale package index (fresh container): refresh it once and try again.
      const u = run(['apt-get', 'update']);
      if (u.code !== 0) throw new Error(`apt-get update failed (exit ${u.code}):\n${u.out.trim().split('\n').slice(-5).join('\n')}`);
      r = run(install);
    }
    if (r.code !== 0) throw new Error(`apt-get install ansible-core failed (exit ${r.code}):\n${r.out.trim().split('\n').slice(-5).join('\n')}`);
    v = version();
    if (v.code !== 0) throw new Error(`${ANSIBLE_PLAYBOOK} --version exits ${v.code} after installing ansible-core:\n${v.out.trim()}`);
  }
  return v.out.split('\n')[0]!.trim();
}
