/**
 * Exit codes as documented in every command's --help, and the rule that under
 * --detailed-exitcode no error exits 2 (2 means "changes pending" there): a typo in a CI
 * pipeline's `plan --detailed-exitcode || [ $? -eq 2 ]` must fail the job.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commit, git, tempDir } from '../desired/helpers.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(root, 'bin/odoops.mjs');

function odoops(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A committed copy of examples/minimal and a key file (read, never used: no server is contacted). */
function minimalRepo(): { repo: string; key: string } {
  const repo = tempDir('odoops-cli-');
  cpSync(path.join(root, 'examples/minimal'), repo, { recursive: true });
  git(repo, 'init', '-q');
  commit(repo, {}, 'minimal');
  const key = path.join(repo, '..', `${path.basename(repo)}.key`);
  writeFileSync(key, 'not used: the run ends before any connection\n', { mode: 0o600 });
  return { repo, key };
}

/** Every command and sub-command the top-level help lists (sandbox's sub-commands included). */
function commands(): string[][] {
  const names = (help: string) => [...help.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
  const top = names(odoops(['--help']).stdout);
  assert.ok(top.length >= 9, `top-level help lists the commands: ${top.join(', ')}`);
  const out: string[][] = [];
  for (const name of top) {
    out.push([name]);
    const help = odoops([name, '--help']).stdout;
    if (/^Commands:/m.test(help)) for (const sub of names(help.slice(help.indexOf('Commands:')))) out.push([name, sub]);
  }
  return out;
}

test('every command\'s --help lists its exit codes', () => {
  const all = commands();
  assert.ok(all.some((c) => c.join(' ') === 'sandbox up'), 'sub-commands are checked too');
  for (const cmd of all) {
    const r = odoops([...cmd, '--help']);
    assert.is(r.code, 0, `${cmd.join(' ')} --help`);
    assert.match(r.stdout, /\nExit codes:\n {2}0 /, `${cmd.join(' ')} --help lists exit codes`);
    assert.match(r.stdout, /\n {2}2 /, `${cmd.join(' ')} --help says what 2 means`);
  }
  const plan = odoops(['plan', '--help']).stdout;
  assert.match(plan, /2 {2}usage error; with --detailed-exitcode: changes pending \(then usage errors exit 1\)/);
});

test('an unknown client: usage error 2, but 1 under --detailed-exitcode (never "changes pending")', () => {
  const { repo, key } = minimalRepo();
  const plain = odoops(['plan', '--repo', repo, '--client', 'typo', '--ssh-key', key]);
  assert.is(plain.code, 2, plain.stderr);
  assert.match(plain.stderr, /unknown client "typo" \(known: shop\)/);
  for (const cmd of ['plan', 'drift']) {
    const r = odoops([cmd, '--repo', repo, '--client', 'typo', '--ssh-key', key, '--detailed-exitcode']);
    assert.is(r.code, 1, `${cmd}: ${r.stderr}`);
    assert.match(r.stderr, /unknown client "typo"/);
    assert.is(r.stdout, '', 'nothing planned');
  }
});

test('under --detailed-exitcode an unknown option and a bad value exit 1 too', () => {
  assert.is(odoops(['plan', '--frobnicate']).code, 2, 'plain usage error');
  assert.is(odoops(['plan', '--frobnicate', '--detailed-exitcode']).code, 1);
  assert.is(odoops(['drift', '--detailed-exitcode', '--concurrency', 'x']).code, 1);
  assert.is(odoops(['drift', '--concurrency', 'x']).code, 2);
});

test.run();

test('a reader that stops early (`odoops --help | head -1`) ends the command quietly, exit 0', async () => {
  const child = spawn(process.execPath, [bin, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Our end of its stdout closes before odoops has started: its first write gets EPIPE.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.is(stderr, '', 'no stack trace');
  assert.is(code, 0);
});
