/**
 * The desired-state settings the renderers read (monitoring servers, nagios, logHost,
 * security overrides, proxy), through the real loader: defaults, merge rules, the older
 * bare-host-name form, and located errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { loadDesiredState, validateRepo } from '../../operator/desired/load.ts';
import { formatIssue } from '../../operator/desired/issues.ts';
import { commit, exampleRepo, readExample } from '../desired/helpers.ts';

const repos: string[] = [];
test.after(() => {
  for (const d of repos) fs.rmSync(d, { recursive: true, force: true });
});

function repoWith(files: Record<string, string>): string {
  const { dir } = exampleRepo();
  repos.push(dir);
  commit(dir, files);
  return dir;
}

const FLEET = readExample('fleet.yaml');

test('the example: monitoring servers as SSH targets, their addresses as NRPE sources, defaults filled', async () => {
  const s = await loadDesiredState({ repo: repoWith({}) });
  assert.equal(s.fleet.monitoringServers[0], { name: 'nagios1', host: 'nagios1.ovh.integrator.example', port: 22, user: 'root', hostKey: 'SHA256:Nq3Vb8Xe1Lm5Kt9Rz2Hc6Wy4Fd0Ga7Ps3Uj1Qo8TiB2', addresses: ['198.51.100.201'] });
  assert.equal(s.fleet.logHost, { port: 6514, serverName: 'logs.integrator.example', host: 'logs.integrator.example', caCert: 'file:/etc/odoops/log-ca.pem' });
  assert.is(s.fleet.nagios.contacts[0]!.name, 'oncall');
  const cobalt = s.clients.find((c) => c.name === 'cobalt')!;
  assert.equal(cobalt.security.firewallAllowTcp, [22, 80, 443, 8443], 'the client list replaces the fleet list');
  assert.is(cobalt.security.fail2banMaxRetry, 3);
  assert.is(cobalt.security.fail2banBanTime, '1h', 'inherited from fleet.yaml');
  const acme = s.clients.find((c) => c.name === 'acme')!;
  assert.equal(acme.proxy.protect.test, { ipAllowList: [], basicAuth: { usersSecret: 'env:ODOOPS_HTPASSWD_ACME_TEST', realm: 'Acme test' } });
  assert.equal(s.clients.find((c) => c.name === 'boreal')!.proxy, { certResolver: 'letsencrypt', protect: { test: { ipAllowList: ['192.0.2.0/28'] } } });
});

test('the older form (bare host names) still loads: allowed to query NRPE, no host key to push with', async () => {
  const fleet = FLEET.replace(/monitoringServers:\n(?:  .*\n|    .*\n)+/, 'monitoringServers: [nagios1.example, 192.0.2.50]\n');
  assert.ok(fleet.includes('monitoringServers: [nagios1.example, 192.0.2.50]'));
  const s = await loadDesiredState({ repo: repoWith({ 'fleet.yaml': fleet }) });
  assert.equal(s.fleet.monitoringServers, [
    { name: 'nagios1.example', host: 'nagios1.example', port: 22, user: 'root', addresses: ['nagios1.example'] },
    { name: '192.0.2.50', host: '192.0.2.50', port: 22, user: 'root', addresses: ['192.0.2.50'] },
  ]);
  assert.equal(s.clients[0]!.monitoring.servers, ['nagios1.example', '192.0.2.50']);
});

test('no security, nagios or logHost in fleet.yaml: the built-in baseline and defaults', async () => {
  const fleet = FLEET.replace(/\nsecurity:\n(?:  .*\n)+/, '\n').replace(/\nnagios:\n(?:  .*\n|    .*\n|      .*\n)+/, '\n').replace(/\nlogHost:\n(?:  .*\n)+/, '\n');
  const cobalt = readExample('clients/cobalt.yaml').replace(/\nsecurity:\n(?:  .*\n)+/, '\n');
  const s = await loadDesiredState({ repo: repoWith({ 'fleet.yaml': fleet, 'clients/cobalt.yaml': cobalt }) });
  assert.is(s.fleet.logHost, undefined);
  assert.equal(s.fleet.nagios, { statusSource: '/var/lib/odoops/status.json', certificateWarningDays: 21, certificateCriticalDays: 7, contacts: [] });
  assert.equal(s.clients[2]!.security, {
    sshPasswordAuthentication: false,
    sshPermitRootLogin: 'prohibit-password',
    fail2ban: true,
    firewallAllowTcp: [22, 80, 443],
    unattendedUpgrades: false,
    fail2banMaxRetry: 5,
    fail2banBanTime: '1h',
    heldPackages: ['odoo'],
  });
});

test('located errors: a monitoring server without host key, protection of a missing instance, a bad address', async () => {
  const fleet = FLEET.replace('    hostKey: SHA256:Mw7Yc2Rf5Jn9Lb3Tx6Ks1Gd8Hv4Pe0Aq7Zu2Xi5Oc9E\n', '').replace('ipAllowList: [192.0.2.0/28]', 'ipAllowList: [192.0.2.0/28, "office network"]');
  const boreal = readExample('clients/boreal.yaml') + 'proxy:\n  protect:\n    staging: { ipAllowList: [192.0.2.1] }\n';
  const r = await validateRepo({ repo: repoWith({ 'fleet.yaml': fleet, 'clients/boreal.yaml': boreal }) });
  const lines = r.issues.map(formatIssue);
  assert.ok(lines.some((l) => /^fleet\.yaml:\d+:\d+: monitoringServers\[1\]\.hostKey: not set \(required\)$/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^fleet\.yaml:\d+:\d+: defaults\.proxy\.protect\.test\.ipAllowList\[1\]: "office network" must be an IP address, a CIDR range/.test(l)), lines.join('\n'));
  const ok = FLEET;
  const r2 = await validateRepo({ repo: repoWith({ 'fleet.yaml': ok, 'clients/boreal.yaml': boreal }) });
  assert.equal(r2.issues.map(formatIssue).map((l) => l.replace(/:\d+:\d+:/, ':L:C:')), ['clients/boreal.yaml:L:C: proxy.protect.staging: no instance "staging" to protect (instances: production, test)']);
});

test.run();
