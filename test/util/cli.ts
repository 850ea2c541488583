/**
 * Runs the real CLI (bin/odoops.mjs) against a sandbox fleet, as a user would: stdio pipes
 * (not a terminal, as in CI; nothing on stdin) and the sandbox's SSH key in ODOOPS_SSH_KEY. Async spawn: a
 * blocking spawnSync would freeze the test harness's timers during long runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SandboxInfo } from './sandbox.ts';

export const odoopsBin = fileURLToPath(new URL('../../bin/odoops.mjs', import.meta.url));

export interface CliRun { code: number | null; stdout: string; stderr: string }

/** `env` is added to the test process's environment (secrets the config names, overrides). */
export function runOdoops(info: Pick<SandboxInfo, 'privateKeyPath'>, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [odoopsBin, ...args], {
      env: { ...process.env, ODOOPS_SSH_KEY: info.privateKeyPath, ...env },
      // Nothing on stdin, as under CI: whatever reads it gets end-of-file rather than waiting on the test.
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Commits everything in a config repo (the tests' edits of client files). */
export function commitAll(repo: string, message: string): void {
  for (const args of [['add', '-A'], ['-c', 'user.email=t@odoops.invalid', '-c', 'user.name=t', 'commit', '-qm', message]]) {
    const r = spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  }
}
