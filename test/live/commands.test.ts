import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, chmodSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fingerprint } from '../../operator/live/ssh.ts';
import {
  addonsCheckout, compose, pgConninfo, confValue, dockerPull, odooInstall, odooUpgrade, psqlModules, pyString, safeSegment, uninstallScript, pgDumpTo, journalAppend,
} from '../../operator/live/commands.ts';
import { shellCommand } from '../../operator/util/shell.ts';

const CANARY = path.join(tmpdir(), `odoops-pwned-unit-${process.pid}`);
const hostile = [
  `x; touch ${CANARY}`,
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `a'; touch ${CANARY}; '`,
  `a"; touch ${CANARY}; "`,
  `line\ntouch ${CANARY}`,
  `-rf`,
  `--upload-pack=touch ${CANARY}`,
];

let bin = '';
test.before(() => {
  bin = mkdtempSync(path.join(tmpdir(), 'odoops-fakebin-'));
  // Recorders: print each argv element NUL-terminated, so we see exactly what arrived.
  for (const tool of ['docker', 'git', 'curl']) {
    writeFileSync(path.join(bin, tool), '#!/bin/sh\nprintf "%s\\0" "$@"\n');
    chmodSync(path.join(bin, tool), 0o755);
  }
});
test.after(() => {
  rmSync(bin, { recursive: true, force: true });
  rmSync(CANARY, { force: true });
});

function runLocal(argv: string[]): string[] {
  const out = execFileSync('/bin/sh', ['-c', shellCommand(argv)], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

test('hostile values arrive as one literal argument through every builder (local shell)', () => {
  for (const v of hostile) {
    assert.equal(runLocal(dockerPull(v)), ['pull', v]);
    const inst = runLocal(odooInstall('test', v, [v, 'base']));
    assert.equal(inst.slice(-8), ['-c', '/etc/odoo/odoo.conf', '-d', v, '-i', `${v},base`, '--stop-after-init', '--no-http']);
    assert.ok(runLocal(odooUpgrade('test', 'db', [v])).includes(v));
    assert.equal(runLocal(psqlModules('test', v)).slice(9, 11), ['-d', pgConninfo(v)]);
  }
  assert.not.ok(existsSync(CANARY), 'nothing extra ran');
});

test('sh -c builders keep values in positional parameters', () => {
  for (const v of hostile) {
    // docker is a recorder: pg_dump's redirect target is a file in a temp dir.
    const out = path.join(bin, 'dump');
    execFileSync('/bin/sh', ['-c', shellCommand(pgDumpTo('test', v, out))], { env: { PATH: `${bin}:/usr/bin:/bin` } });
    const args = readFileSync(out, 'utf8').split('\0').slice(0, -1);
    assert.equal(args.slice(-2), ['-d', pgConninfo(v)]);
    // An existing checkout: the fetch path, where the URL is an argument of `remote set-url`.
    mkdirSync(path.join(bin, 'repo', '.git'), { recursive: true });
    const gitArgs = runLocal(addonsCheckout(path.join(bin, 'repo'), v, v, 'a'.repeat(40)));
    assert.equal(gitArgs.slice(0, 6), ['-C', path.join(bin, 'repo'), 'remote', 'set-url', '--', 'origin']);
    assert.is(gitArgs[6], v, 'url arrives as one argument');
  }
  assert.not.ok(existsSync(CANARY), 'nothing extra ran');
});

test('journal line with hostile text is appended verbatim', () => {
  const line = JSON.stringify({ detail: `$(touch ${CANARY}) \`x\` 'q' "d"` });
  const argv = journalAppend(line);
  assert.is(argv[0], 'sh');
  assert.ok(argv.includes(line));
  assert.not.ok(argv[2]!.includes(line), 'the value is not in the script text');
});

test('pyString: python reads back exactly the value; uninstall script has the contract shape', () => {
  const values = [...hostile, "'''", '\\', 'é€😀', '\r\t"'];
  for (const v of values) {
    const back = execFileSync('python3', ['-c', `import sys; sys.stdout.write(${pyString(v)})`], { encoding: 'utf8' });
    assert.is(back, v);
  }
  const s = uninstallScript(['website', "a'b"]);
  assert.match(s, /^env\['ir\.module\.module'\]\.search\(\[\('name', 'in', \['website', 'a\\'b'\]\), \('state', '=', 'installed'\)\]\)\.button_immediate_uninstall\(\)\nenv\.cr\.commit\(\)\n$/);
});

test('pgConninfo keeps any database name a single dbname for libpq', () => {
  assert.is(pgConninfo('acme_prod'), "dbname='acme_prod'");
  assert.is(pgConninfo("a'b\\c"), "dbname='a\\'b\\\\c'");
  assert.is(pgConninfo('host=evil dbname=x'), "dbname='host=evil dbname=x'");
});

test('safeSegment refuses path tricks', () => {
  for (const bad of ['', '.', '..', 'a/b', '../etc']) assert.throws(() => safeSegment(bad, 'instance'));
  assert.is(safeSegment('production', 'instance'), 'production');
  assert.throws(() => compose('../x', 'ps'));
});

test('confValue renders like Odoo writes odoo.conf', () => {
  assert.is(confValue(true), 'True');
  assert.is(confValue(false), 'False');
  assert.is(confValue(2684354560), '2684354560');
  assert.is(confValue('x'), 'x');
});

test('fingerprint matches ssh-keygen -lf', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'odoops-key-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
    const pub = readFileSync(path.join(dir, 'k.pub'), 'utf8').split(' ')[1]!;
    const expected = execFileSync('ssh-keygen', ['-lf', path.join(dir, 'k.pub')], { encoding: 'utf8' }).split(' ')[1];
    assert.is(fingerprint(Buffer.from(pub, 'base64')), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
