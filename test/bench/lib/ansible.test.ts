// What the drift benchmark hands to Ansible (test/bench/lib/ansible.ts, drift-commands.ts):
// the probe play's inventory carries odoops' own commands verbatim (argv and stdin tagged
// !unsafe, so Jinja leaves the probe's `{{json .}}` alone), host keys stay pinned, and the
// commands are the ones drift runs. Pure: no Ansible, no sandbox (Ansible runs in the bench).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, type ScalarTag } from 'yaml';
import { loadDesiredState } from '../../../operator/desired/load.ts';
import { backupStatus } from '../../../operator/host/backup.ts';
import { guarded, psqlModules } from '../../../operator/host/commands.ts';
import { ansibleCfg, commandStep, knownHostsFor, probeInventory, usualInventory, type AnsibleHost } from './ansible.ts';
import { driftCommands } from './drift-commands.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const acme: AnsibleHost = { name: 'acme', address: '10.213.7.2', port: 22, user: 'root' };

/** Reads an inventory as Ansible's loader would see the tags: `!unsafe` strings come back wrapped. */
const unsafeTag: ScalarTag = { tag: '!unsafe', resolve: (s: string) => ({ unsafe: s }) };
const read = (text: string) => parseDocument(text, { customTags: [unsafeTag] }).toJS() as { odoo: { hosts: Record<string, Record<string, unknown>>; vars: Record<string, unknown> } };

const fleet = () => loadDesiredState({ repo: path.join(root, 'examples/fleet') });

test('the probe play runs the commands drift runs: the probe, then the backup status of a client with backups', async () => {
  const spec = (await fleet()).clients.find((c) => c.name === 'acme')!;
  assert.ok(spec.backups, 'examples/fleet acme declares backups');
  const c = await driftCommands(spec, {});
  assert.equal(c.probe.argv.slice(0, 2), ['python3', '-c']);
  assert.equal(c.probe.label, 'live-state probe');
  const request = JSON.parse(c.probe.stdin!.slice(c.probe.stdin!.indexOf('\0') + 1)) as { instances: { name: string }[]; imageInspect: string[] };
  assert.equal(request.instances.map((i) => i.name).sort(), spec.instances.map((i) => i.name).sort());
  assert.equal(c.others, [backupStatus()]);
});

test('argv and stdin reach Ansible verbatim: every string tagged !unsafe, the NUL and the Go template intact', async () => {
  const spec = (await fleet()).clients.find((c) => c.name === 'acme')!;
  const c = await driftCommands(spec, {});
  assert.ok(c.probe.stdin!.includes('{{json .}}'), 'the probe request holds a Go template Jinja would evaluate');
  const inv = read(probeInventory([{ host: acme, steps: [commandStep(c.probe, true), ...c.others.map((o) => commandStep(o, false))] }]));
  const host = inv.odoo.hosts.acme!;
  assert.equal([host.ansible_host, host.ansible_port, host.ansible_user], ['10.213.7.2', 22, 'root']);
  const [probe, backup] = host.odoops_commands as Record<string, unknown>[];
  assert.equal(probe!.argv, c.probe.argv.map((a) => ({ unsafe: a })));
  assert.equal(probe!.stdin, { unsafe: c.probe.stdin });
  assert.is(probe!.timeout, Math.ceil(c.probe.timeoutMs / 1000));
  assert.is(probe!.must_succeed, true);
  assert.is(backup!.must_succeed, false);
  assert.not.ok('stdin' in backup!, 'no stdin for a command without one');
});

test('a command under the lock fence has no place in the read-only play', () => {
  assert.throws(() => commandStep(guarded(backupStatus(), 'run-1'), false), /fenced/);
});

test('the usual play gets the instances, their checkouts and the modules query of the host contract', () => {
  const inv = read(usualInventory([{ host: acme, instances: [{ name: 'production', database: 'acme_prod', image: 'odoo:17.0', addons: [{ name: 'ia', url: 'https://git.example.com/ia.git', ref: 'main' }] }] }]));
  const [inst] = inv.odoo.hosts.acme!.odoo_instances as Record<string, unknown>[];
  assert.equal(inst!.modules_query, psqlModules('production', 'acme_prod').argv);
  assert.equal(inst!.addons, [{ name: 'ia', url: 'https://git.example.com/ia.git', ref: 'main' }]);
  assert.is(inv.odoo.vars.odoo_root, '/srv/odoo');
});

test('host keys pinned: only the sandbox keys of the hosts named, strict checking, the bench key', () => {
  const lines = '10.213.7.2 ssh-ed25519 AAAAone\n10.213.7.3 ssh-ed25519 AAAAtwo\n[10.213.7.4]:2222 ssh-ed25519 AAAAthree\n';
  assert.is(knownHostsFor(lines, [acme, { ...acme, name: 'c', address: '10.213.7.4', port: 2222 }]), '10.213.7.2 ssh-ed25519 AAAAone\n[10.213.7.4]:2222 ssh-ed25519 AAAAthree\n');
  assert.throws(() => knownHostsFor(lines, [{ ...acme, name: 'z', address: '10.213.7.9' }]), /no known_hosts line for z \(10\.213\.7\.9\)/);
  const cfg = ansibleCfg({
    inventory: '/t/inv.yml', forks: 20, privateKeyPath: '/t/id', knownHostsPath: '/t/known_hosts', localTemp: '/t/l', remoteTemp: '/t/r', controlPathDir: '/t/cp',
    interpreter: '/usr/bin/python3', connectTimeoutS: 10, callbackPlugins: '/t/cb',
  });
  for (const line of ['forks = 20', 'host_key_checking = True', 'private_key_file = /t/id', 'pipelining = True', 'control_path_dir = /t/cp', 'local_tmp = /t/l', 'remote_tmp = /t/r']) {
    assert.ok(cfg.split('\n').includes(line), line);
  }
  assert.match(cfg, /ssh_args = .*-o StrictHostKeyChecking=yes -o UserKnownHostsFile=\/t\/known_hosts -o GlobalKnownHostsFile=\/dev\/null/);
});

test.run();
