// managed-files.py on this machine, on files in a temp directory only (the state directory
// is moved there too): atomic write with mode, refusal by validation and failure of
// activation both put the previous files back (and remove files that did not exist), and
// nothing is kept aside afterwards.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HostCommand } from '../../operator/host/command.ts';
import { managedInstall, managedRead, type ManagedStep } from '../../operator/host/managed.ts';

const t = suite('managed-files.py (local temp files)');
let dir = '';
let state = '';
t.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'odoops-managed-helper-'));
  state = path.join(dir, 'state');
});
t.after.each(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a host command here, its request's state directory moved into the temp directory. */
function runHere(c: HostCommand): Record<string, unknown> {
  const [program, request] = c.stdin!.split('\0') as [string, string];
  const req = JSON.parse(request) as Record<string, unknown>;
  if ('stateDir' in req) req.stateDir = state;
  const r = spawnSync(c.argv[0]!, c.argv.slice(1), { input: `${program}\0${JSON.stringify(req)}`, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const step = (argv: string[], label: string): ManagedStep => ({ argv, label, timeoutMs: 10_000 });

function install(files: { path: string; content: string; mode: number }[], validate: ManagedStep[] = [], activate: ManagedStep[] = []) {
  return runHere(managedInstall({ token: 'run1-unit', label: 'unit', files, validate, activate, guard: false, revertAfterS: 60 }));
}

t('writes every file with its mode; the read reports digest, mode and owner', () => {
  const a = path.join(dir, 'etc/a.conf');
  const res = install([{ path: a, content: 'A=1\n', mode: 0o640 }], [step(['test', '-f', a], 'a exists')]);
  assert.equal(res, { ok: true, steps: ['written', 'validated: a exists'] });
  assert.is(readFileSync(a, 'utf8'), 'A=1\n');
  assert.is(statSync(a).mode & 0o777, 0o640);
  assert.is(statSync(path.dirname(a)).mode & 0o777, 0o755);
  const read = runHere(managedRead([{ path: a, secret: false }, { path: path.join(dir, 'none'), secret: false }], '00'));
  const [f, none] = read.files as Record<string, unknown>[];
  assert.is(f!.mode, 0o640);
  assert.is(f!.owner, 'root:root');
  assert.is(f!.content, 'A=1\n');
  assert.is(none!.exists, false);
  assert.not.ok(existsSync(path.join(state, 'run1-unit')));
});

t('refused by validation: the previous file is back byte for byte, the new one removed, nothing kept aside', () => {
  const a = path.join(dir, 'a.conf');
  const b = path.join(dir, 'b.conf');
  writeFileSync(a, 'old\n', { mode: 0o600 });
  const res = install([{ path: a, content: 'new\n', mode: 0o644 }, { path: b, content: 'b\n', mode: 0o644 }], [step(['sh', '-c', 'echo "line 2: bad" >&2; exit 255'], 'checker')]);
  assert.is(res.ok, false);
  assert.is(res.stage, 'validate');
  assert.is(res.restored, true);
  assert.match(String(res.message), /checker refused the new files: exit 255: line 2: bad/);
  assert.is(readFileSync(a, 'utf8'), 'old\n');
  assert.is(statSync(a).mode & 0o777, 0o600);
  assert.not.ok(existsSync(b));
  assert.equal(readdirSync(state), []);
  assert.equal(readdirSync(dir).filter((n) => n.includes('.odoops-')), []);
});

t('activation failing: previous files restored and re-activated', () => {
  const a = path.join(dir, 'a.conf');
  const log = path.join(dir, 'activations');
  writeFileSync(a, 'old\n');
  const activate = step(['sh', '-c', 'cat "$1" >> "$2"; grep -q old "$1"', 'sh', a, log], 'activate a');
  const res = install([{ path: a, content: 'new\n', mode: 0o644 }], [], [activate]);
  assert.is(res.ok, false);
  assert.is(res.stage, 'activate');
  assert.is(res.restored, true);
  assert.is(readFileSync(a, 'utf8'), 'old\n');
  // Activated on the new file (failed), then again on the restored one.
  assert.is(readFileSync(log, 'utf8'), 'new\nold\n');
});

t.run();
