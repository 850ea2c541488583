import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, chmodSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fingerprint } from '../../operator/live/ssh.ts';
import type { HostCommand } from '../../operator/host/command.ts';
import {
  addonsCheckout, composeUp, pgConninfo, confValue, dockerPull, hostEdit, odooInstall, odooUpgrade, psqlModules, pyString, snapshot, uninstallScript, journalAppend, serverCommandLine, guarded,
} from '../../operator/host/commands.ts';
import { safeSegment } from '../../operator/host/paths.ts';
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

function runLocal(c: HostCommand): string[] {
  const out = execFileSync('/bin/sh', ['-c', shellCommand(c.argv)], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8', input: c.stdin ?? '' });
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

test('every command has a label and a timeout; the server line wraps it in timeout(1), guarded when fenced', () => {
  const c = odooInstall('test', 'db', ['crm']);
  assert.is(c.label, 'odoo -i crm');
  assert.ok(c.timeoutMs >= 60_000);
  const plain = serverCommandLine(c);
  assert.match(plain.text, /^timeout -k 5 \d+ sh -c /);
  assert.not.match(plain.text, /odoops-guard/);
  const fenced = serverCommandLine(guarded(c, 'run-1'));
  assert.match(fenced.text, /odoops-guard run-1 \/var\/lib\/odoops\/lock\.run /);
});

test('values that must stay secret travel on stdin, never in argv', () => {
  const secret = 'S3cr3t-value-for-argv-check';
  const edit = hostEdit({ op: 'set-conf', instance: 'test', values: { smtp_password: secret } });
  assert.not.ok(edit.argv.some((a) => a.includes(secret)));
  assert.ok(edit.stdin?.includes(secret));
  const co = addonsCheckout({ dir: '/srv/odoo/test/addons/x', url: 'https://git.example.com/x.git', ref: 'main', commit: null, credential: `user:${secret}` });
  assert.not.ok(co.argv.some((a) => a.includes(secret)));
  assert.is(co.stdin, `user:${secret}\n`);
});

test('the snapshot command names its instance, database and retention as positional parameters', () => {
  const c = snapshot({ instance: 'production', dir: '/var/lib/odoops/snapshots/production/x', database: "a'b", withDatabase: true, keep: 3, attempts: 3 });
  assert.equal(c.argv.slice(3), ['sh', '/var/lib/odoops', '/srv/odoo/production', '/var/lib/odoops/snapshots/production/x', '/srv/odoo/production/compose.yaml', "a'b", pgConninfo("a'b"), '3', '1', '3']);
  assert.not.ok(c.argv[2]!.includes("a'b"));
});

test('sh -c builders keep values in positional parameters', () => {
  for (const v of hostile) {
    // An existing checkout: the fetch path, where the URL is an argument of `remote set-url`.
    mkdirSync(path.join(bin, 'repo', '.git'), { recursive: true });
    const gitArgs = runLocal(addonsCheckout({ dir: path.join(bin, 'repo'), url: v, ref: v, commit: 'a'.repeat(40) }));
    assert.equal(gitArgs.slice(0, 6), ['-C', path.join(bin, 'repo'), 'remote', 'set-url', '--', 'origin']);
    assert.is(gitArgs[6], v, 'url arrives as one argument');
  }
  assert.not.ok(existsSync(CANARY), 'nothing extra ran');
});

test('journal line with hostile text is appended verbatim', () => {
  const line = JSON.stringify({ detail: `$(touch ${CANARY}) \`x\` 'q' "d"` });
  const { argv } = journalAppend(line);
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
  assert.throws(() => composeUp('../x'));
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
