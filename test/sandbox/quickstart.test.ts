/**
 * The quick start from any clone (issue 13, items 1 and 9): the demo's set-up (sandbox up,
 * validate of the generated repo) run from a copy of this checkout placed where new users
 * put clones — inside a 0700 directory (`mktemp -d`) and under root's home, which every
 * sandbox server has its own copy of — and the one default sandbox directory shared by the
 * demo and `odoops sandbox ...`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSandbox, sandboxDown, sandboxExec } from '../../operator/sandbox/index.ts';
import { readState } from '../../operator/sandbox/state.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const t = suite('quick start from any clone');
const made: string[] = [];
const sandboxes: string[] = [];

t.after(async () => {
  for (const d of sandboxes) await sandboxDown({ dir: d }).catch(() => {});
  for (const d of made) await rm(d, { recursive: true, force: true });
});

/** A copy of this checkout (tracked and new files; node_modules linked) inside `parent`. */
async function cloneInto(parent: string): Promise<string> {
  const clone = path.join(parent, 'odoops');
  await mkdir(clone);
  const files = spawnSync('git', ['-C', repo, 'ls-files', '-co', '--exclude-standard', '-z'], { encoding: 'utf8' }).stdout.split('\0').filter((f) => f && existsSync(path.join(repo, f)));
  const r = spawnSync('cp', ['--parents', '-t', clone, '--', ...files], { cwd: repo, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  await symlink(path.join(repo, 'node_modules'), path.join(clone, 'node_modules'));
  return clone;
}

interface Run { code: number | null; stdout: string; stderr: string }

function runIn(cwd: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const demo = (clone: string, args: string[], env: NodeJS.ProcessEnv = {}) => runIn(clone, ['--import', 'tsx', 'scripts/demo.ts', ...args], env);
const odoops = (clone: string, args: string[], env: NodeJS.ProcessEnv = {}) => runIn(clone, ['bin/odoops.mjs', ...args], env);

t('demo --help prints the options and the default sandbox directory, shared with odoops sandbox', async () => {
  const env = { ODOOPS_SANDBOX_DIR: '' };
  const r = await demo(repo, ['--help'], env);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /--dir DIR/);
  assert.match(r.stdout, /--keep/);
  assert.match(r.stdout, /default: \/var\/lib\/odoops-sandbox\/default/);
  const up = await odoops(repo, ['sandbox', 'up', '--help'], env);
  assert.match(up.stdout, /\/var\/lib\/odoops-sandbox\/default/);
  const bad = await demo(repo, ['--bogus']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /Unknown option '--bogus'/);
  const zero = await demo(repo, ['--clients', '0']);
  assert.is(zero.code, 2);
  assert.match(zero.stderr, /--clients must be a whole number from 1 to/);
});

t('a --dir that cannot work is refused up front, with the reason and a directory that works', async () => {
  const closed = await mkdtemp(path.join(os.tmpdir(), 'odoops-closed-'));
  made.push(closed);
  assert.is((await stat(closed)).mode & 0o777, 0o700);
  const cases: [string[], RegExp][] = [
    [['--dir', '/root/odoops-never/sbx'], /must not be under \/root: each sandbox server has its own \/root.*use e\.g\. \/var\/lib\/odoops-sandbox\/sbx/],
    [['--dir', '/srv/sbx'], /must not be under \/srv.*use e\.g\. \/var\/lib\/odoops-sandbox\/sbx/],
    [['--dir', '/etc/sbx'], /must not be under \/etc.*use e\.g\./],
    [['--dir', path.join(closed, 'sbx')], new RegExp(`user postgres cannot reach it \\(${closed} is mode 0700\\).*use e\\.g\\. /var/lib/odoops-sandbox/sbx`)],
  ];
  for (const [args, message] of cases) {
    const d = await demo(repo, args);
    assert.is(d.code, 2, `demo ${args.join(' ')}: ${d.stdout}${d.stderr}`);
    assert.match(d.stderr, message);
    const s = await odoops(repo, ['sandbox', 'up', '--clients', '1', ...args]);
    assert.is(s.code, 2, s.stderr);
    assert.match(s.stderr, message);
  }
  assert.not.ok(existsSync('/root/odoops-never') || existsSync('/srv/sbx') || existsSync('/etc/sbx') || existsSync(path.join(closed, 'sbx')), 'nothing created');
});

t('from a clone inside a 0700 directory: demo set-up with the default directory, then the README sandbox commands find it', async () => {
  const closed = await mkdtemp(path.join(os.tmpdir(), 'odoops-clone-'));
  made.push(closed);
  const clone = await cloneInto(closed);
  const dir = path.join(os.tmpdir(), `odoops-default-${process.pid}`);
  sandboxes.push(dir);
  const env = { ODOOPS_SANDBOX_DIR: dir };
  const r = await demo(clone, ['--setup-only', '--keep', '--clients', '2'], env);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^valid \(/m);
  assert.match(r.stdout, /odoops(\.mjs)? sandbox status\n/, 'kept: prints the commands, without --dir');
  const status = await odoops(clone, ['sandbox', 'status'], env);
  assert.is(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`sandbox in ${dir}: up, 2 servers`));
  const state = (await readState(dir))!;
  assert.ok(state.servers.every((s) => s.instances && Object.keys(s.instances).length === 2), 'instances provisioned');
  const down = await odoops(clone, ['sandbox', 'down'], env);
  assert.is(down.code, 0, down.stderr);
  assert.not.ok(existsSync(dir));
});

t('from a clone under root\'s home: the servers (which have their own /root) run the stand-ins from the sandbox directory', async () => {
  const home = await mkdtemp('/root/odoops-test-clone-');
  made.push(home);
  const clone = await cloneInto(home);
  const dir = path.join(os.tmpdir(), `odoops-roothome-${process.pid}`);
  sandboxes.push(dir);
  const r = await demo(clone, ['--setup-only', '--keep', '--clients', '1', '--dir', dir]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^valid \(/m);
  const info = (await readSandbox(dir))!;
  const state = (await readState(dir))!;
  const client = state.servers[0]!.client;
  const where = await sandboxExec(info, client, ['sh', '-c', 'command -v docker; command -v odoo; ls /root/odoops-test-clone-* 2>&1; true']);
  const [docker, odoo] = where.stdout.split('\n');
  assert.is(docker, path.join(dir, 'runtime/standins/bin/docker'));
  assert.is(odoo, path.join(dir, 'runtime/standins/bin/odoo'));
  assert.match(where.stdout, /No such file/, 'the clone is not visible inside the server');
  const ps = await sandboxExec(info, client, ['docker', 'compose', '-f', '/srv/odoo/production/compose.yaml', 'ps', '--format', 'json']);
  assert.is(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, /"State":"running"/);
  assert.match(await readFile(path.join(state.servers[0]!.home, 'sshd_config'), 'utf8'), new RegExp(`SetEnv PATH=${dir}/runtime/standins/bin:`));
});

t.run();
