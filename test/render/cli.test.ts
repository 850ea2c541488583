/**
 * `odoops render` end to end (the real CLI in a child process, a real git config repo):
 * printing, --out, --json, secrets resolved from the environment and a file but never
 * printed, clear errors for unknown clients and unresolvable secrets.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { commit, exampleRepo, readExample } from '../desired/helpers.ts';
import { tempDir } from './helpers.ts';

const bin = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/odoops.mjs');
const HASH = '$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC';
const USERS = `alice:${HASH}`;
const work = tempDir('cli');
const { dir: repo } = exampleRepo();
const caFile = path.join(work, 'log-ca.pem');
fs.writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n');
commit(repo, { 'fleet.yaml': readExample('fleet.yaml').replace('caCert: file:/etc/odoops/log-ca.pem', `caCert: file:${caFile}`) }, 'CA from the test');

test.after(() => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(repo, { recursive: true, force: true });
});

function odoops(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, 'render', ...args, '--repo', repo], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('render nrpe CLIENT prints the file with its mode and digest', () => {
  const r = odoops(['nrpe', 'boreal']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^# ==> \/etc\/nagios\/nrpe\.cfg \(mode 0644\) <==$/m);
  assert.match(r.stdout, /^allowed_hosts=198\.51\.100\.201,203\.0\.113\.202$/m);
  assert.match(r.stdout, /^# nrpe boreal: sha256:[0-9a-f]{64}$/m);
});

test('render traefik: the users secret comes from the environment, is written with --out 0600, never printed', () => {
  const env = { ODOOPS_HTPASSWD_ACME_TEST: USERS };
  const printed = odoops(['traefik', 'acme'], env);
  assert.is(printed.code, 0, printed.stderr);
  assert.not.ok(printed.stdout.includes(HASH) || printed.stdout.includes('alice'), 'no secret on stdout');
  assert.match(printed.stdout, /# ==> \/etc\/traefik\/odoops\/test\.htpasswd \(mode 0600\) <==\n# holds a resolved secret: not printed/);
  const json = odoops(['traefik', 'acme', '--json'], env);
  assert.not.ok(json.stdout.includes(HASH));
  const files = (JSON.parse(json.stdout) as { files: { path: string; secret: boolean; content?: string }[] }[])[0]!.files;
  assert.equal(files.map((f) => [f.path, f.secret, f.content !== undefined]), [
    ['/etc/traefik/dynamic/odoops.yml', false, true],
    ['/etc/traefik/odoops/test.htpasswd', true, false],
  ]);
  const out = path.join(work, 'traefik');
  const w = odoops(['traefik', 'acme', '--out', out], env);
  assert.is(w.code, 0, w.stderr);
  assert.not.ok(w.stdout.includes(HASH));
  const users = path.join(out, 'etc/traefik/odoops/test.htpasswd');
  assert.is(fs.readFileSync(users, 'utf8'), `${USERS}\n`);
  assert.is(fs.statSync(users).mode & 0o777, 0o600);
  assert.match(fs.readFileSync(path.join(out, 'etc/traefik/dynamic/odoops.yml'), 'utf8'), /rule: Host\(`erp\.acme\.example`\)/);
});

test('render baseline --out for every client: one folder per client', () => {
  const out = path.join(work, 'baseline');
  const r = odoops(['baseline', '--out', out]);
  assert.is(r.code, 0, r.stderr);
  for (const c of ['acme', 'boreal', 'cobalt']) {
    assert.ok(fs.existsSync(path.join(out, c, 'etc/nftables.d/odoops.nft')), c);
    assert.match(r.stdout, new RegExp(`^baseline ${c}: 5 files in ${out}/${c} \\(sha256:[0-9a-f]{64}\\)$`, 'm'));
  }
  assert.match(fs.readFileSync(path.join(out, 'cobalt/etc/nftables.d/odoops.nft'), 'utf8'), /8443/);
});

test('render nagios --out: the fleet once; render rsyslog reads the CA file reference', () => {
  const out = path.join(work, 'nagios');
  const r = odoops(['nagios', '--out', out]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^nagios \(fleet\): 5 files in /m);
  assert.ok(fs.existsSync(path.join(out, 'etc/nagios4/conf.d/odoops/clients/cobalt.cfg')));
  assert.is(fs.statSync(path.join(out, 'usr/local/lib/odoops/check_odoops')).mode & 0o777, 0o755);
  const rs = odoops(['rsyslog', 'acme']);
  assert.is(rs.code, 0, rs.stderr);
  assert.match(rs.stdout, /# ==> \/etc\/odoops\/rsyslog\/log-ca\.pem \(mode 0644\) <==\n-----BEGIN CERTIFICATE-----/);
});

test('clear errors: unknown client, unknown kind, unresolvable secret', () => {
  let r = odoops(['nrpe', 'nobody']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /^odoops: unknown client "nobody" \(known: acme, boreal, cobalt\) at [0-9a-f]{12}$/m);
  r = odoops(['haproxy', 'acme']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /Allowed choices are nagios, nrpe, traefik, baseline, rsyslog, filebeat/);
  r = odoops(['traefik', 'acme'], { ODOOPS_HTPASSWD_ACME_TEST: '' });
  assert.is(r.code, 1);
  assert.match(r.stderr, /secret env:ODOOPS_HTPASSWD_ACME_TEST \(clients\/acme\.yaml proxy\.protect\.test\.basicAuth\.usersSecret\): is empty/);
  r = odoops(['traefik', 'acme'], { ODOOPS_HTPASSWD_ACME_TEST: 'alice:plain-text-password' });
  assert.is(r.code, 1);
  assert.match(r.stderr, /user 1 is not hashed/);
  assert.not.match(r.stderr, /plain-text-password/);
});

test.run();
