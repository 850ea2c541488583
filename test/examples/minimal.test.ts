/**
 * examples/minimal as its README says to use it: the copy command it prints, run as written
 * (with HOME a temporary directory), gives a config repo whose files' `$schema` lines name
 * schemas inside that repo, and which `odoops validate` accepts (with warnings only).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { odoopsBin } from '../util/cli.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readme = readFileSync(path.join(root, 'examples/minimal/README.md'), 'utf8');

test('the README\'s copy command makes a config repo whose $schema lines resolve inside it, and validate accepts it', () => {
  const copy = readme.split('\n').find((l) => l.startsWith('cp -r examples/minimal '));
  assert.ok(copy, 'examples/minimal/README.md shows how to copy it');
  const home = mkdtempSync(path.join(os.tmpdir(), 'odoops-minimal-'));
  try {
    const r = spawnSync('bash', ['-ec', copy!], { cwd: root, env: { ...process.env, HOME: home }, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const repo = path.join(home, 'fleet-config');
    const files = ['fleet.yaml', ...readdirSync(path.join(repo, 'clients')).map((f) => `clients/${f}`)];
    for (const f of files) {
      const ref = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(path.join(repo, f), 'utf8'))?.[1];
      assert.ok(ref, `${f} has a $schema line`);
      const target = path.resolve(path.dirname(path.join(repo, f)), ref!);
      assert.ok(target.startsWith(repo + path.sep) && existsSync(target), `${f}: $schema=${ref} is not a file of the copied repo`);
    }
    const v = spawnSync(process.execPath, [odoopsBin, 'validate', '--repo', repo], { encoding: 'utf8' });
    assert.is(v.status, 0, v.stderr + v.stdout);
    assert.match(v.stdout, /^valid, \d+ warnings? /m);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('the README says how odoops is run outside the clone, as the main README does', () => {
  assert.match(readme, /npm link/);
  assert.match(readme, /bin\/odoops\.mjs/);
});

test.run();
