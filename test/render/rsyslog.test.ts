/**
 * renderRsyslog checked by the real rsyslog (Debian rsyslog + rsyslog-gnutls): `rsyslogd
 * -N1` on a full configuration including it, and a real delivery over TLS from a "client
 * server" namespace to a "log host" namespace this test creates: an Odoo log line (imfile)
 * and an auth line arrive under the client's name; a log host whose certificate does not
 * carry the expected name gets nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import type { ClientSpec, FleetSpec } from '../../operator/desired/types.ts';
import { renderRsyslog } from '../../operator/render/rsyslog.ts';
import { run, runOk } from '../../operator/sandbox/proc.ts';
import { exampleClient, exampleState, fileAt, tempDir } from './helpers.ts';
import { TestNet } from './netns.ts';

const dir = tempDir('rsyslog');
let net: TestNet | undefined;
test.after(async () => {
  await net?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A CA and a log-host certificate for `name`, made with openssl. */
async function pki(d: string, name: string): Promise<{ ca: string; cert: string; key: string }> {
  fs.mkdirSync(d, { recursive: true });
  const p = (f: string) => path.join(d, f);
  await runOk(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=odoops test CA']);
  await runOk(['openssl', 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', `/CN=${name}`]);
  fs.writeFileSync(p('ext.cnf'), `subjectAltName=DNS:${name}\nextendedKeyUsage=serverAuth\n`);
  await runOk(['openssl', 'x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.pem'), '-days', '2', '-extfile', p('ext.cnf')]);
  return { ca: fs.readFileSync(p('ca.pem'), 'utf8'), cert: p('server.pem'), key: p('server.key') };
}

function fleetWithLogHost(fleet: FleetSpec, host: string, serverName: string): FleetSpec {
  return { ...fleet, logHost: { host, port: 6514, caCert: 'file:/operator/log-ca.pem', serverName } };
}

/** The rendered drop-in under a main configuration like a server's, everything under `d`. */
function clientConfig(d: string, fleet: FleetSpec, client: ClientSpec, ca: string): { main: string; odooLog: string; socket: string } {
  fs.mkdirSync(path.join(d, 'work'), { recursive: true });
  const r = renderRsyslog(fleet, client, new Map([['file:/operator/log-ca.pem', ca]]), {
    forwardFile: path.join(d, '60-odoops-forward.conf'),
    caFile: path.join(d, 'log-ca.pem'),
    odooLog: (i) => path.join(d, `odoo-${i}.log`),
  });
  for (const f of r.files) fs.writeFileSync(f.path, f.content, { mode: f.mode });
  const main = path.join(d, 'rsyslog.conf');
  fs.writeFileSync(
    main,
    [
      `global(workDirectory="${d}/work")`,
      'module(load="imuxsock" SysSock.Use="off")',
      `input(type="imuxsock" Socket="${d}/log.sock")`,
      `include(file="${d}/60-odoops-forward.conf")`,
      `*.* action(type="omfile" file="${d}/local.log")`,
      '',
    ].join('\n'),
  );
  return { main, odooLog: path.join(d, 'odoo-production.log'), socket: path.join(d, 'log.sock') };
}

test('the example renders a drop-in rsyslogd -N1 accepts; a typo fails it; no logHost is a clear error', async () => {
  const state = await exampleState();
  const acme = await exampleClient('acme');
  const { ca } = await pki(path.join(dir, 'pki-n1'), 'logs.integrator.example');
  const r = renderRsyslog(state.fleet, acme, new Map([['file:/etc/odoops/log-ca.pem', ca]]));
  assert.equal(r.files.map((f) => f.path), ['/etc/odoops/rsyslog/log-ca.pem', '/etc/rsyslog.d/60-odoops-forward.conf']);
  assert.equal(r.validate.map((v) => v.argv), [['rsyslogd', '-N1']]);
  const conf = fileAt(r.files, '/etc/rsyslog.d/60-odoops-forward.conf').content;
  assert.match(conf, /target="logs\.integrator\.example" port="6514"/);
  assert.match(conf, /StreamDriverAuthMode="x509\/name"/);
  assert.match(conf, /StreamDriverPermittedPeers="logs\.integrator\.example"/);
  assert.match(conf, /File="\/srv\/odoo\/production\/log\/odoo\.log" Tag="odoo-production:"/);
  assert.match(conf, /File="\/srv\/odoo\/test\/log\/odoo\.log" Tag="odoo-test:"/);
  assert.match(conf, /queue\.filename="odoops_forward"/);

  const d = path.join(dir, 'n1');
  const { main } = clientConfig(d, fleetWithLogHost(state.fleet, 'logs.integrator.example', 'logs.integrator.example'), acme, ca);
  const ok = await run(['rsyslogd', '-N1', '-f', main]);
  assert.is(ok.code, 0, ok.stderr);
  const forward = path.join(d, '60-odoops-forward.conf');
  fs.writeFileSync(forward, fs.readFileSync(forward, 'utf8').replace('StreamDriverPermittedPeers', 'StreamDriverPermitedPeers'));
  const bad = await run(['rsyslogd', '-N1', '-f', main]);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /parameter 'StreamDriverPermitedPeers' not known/);

  const { logHost: _, ...noLogHost } = state.fleet;
  assert.throws(() => renderRsyslog(noLogHost, acme, new Map()), /fleet\.yaml has no logHost/);
  assert.throws(() => renderRsyslog(state.fleet, acme, new Map()), /logHost\.caCert: secret file:\/etc\/odoops\/log-ca\.pem was not resolved/);
  assert.throws(() => renderRsyslog(state.fleet, acme, new Map([['file:/etc/odoops/log-ca.pem', 'hello']])), /not a PEM certificate/);
});

test('real delivery over TLS: Odoo and auth lines reach the log host under the client name', async () => {
  net = await TestNet.create('rsys', ['logs', 'impostor']);
  const logs = net.peer('logs');
  const impostor = net.peer('impostor');
  const state = await exampleState();
  const acme = await exampleClient('acme');

  // The log host: imtcp over TLS, one file per sending host and program.
  const good = await pki(path.join(dir, 'pki-good'), 'logs.example.test');
  const bad = await pki(path.join(dir, 'pki-bad'), 'elsewhere.example.test');
  const central = (name: string, p: { cert: string; key: string }, address: string) => {
    const d = path.join(dir, `central-${name}`);
    fs.mkdirSync(path.join(d, 'work'), { recursive: true });
    fs.writeFileSync(path.join(d, 'ca.pem'), fs.readFileSync(path.join(path.dirname(p.cert), 'ca.pem')));
    fs.writeFileSync(
      path.join(d, 'rsyslog.conf'),
      [
        `global(workDirectory="${d}/work" DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="${d}/ca.pem" DefaultNetstreamDriverCertFile="${p.cert}" DefaultNetstreamDriverKeyFile="${p.key}")`,
        'module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")',
        `input(type="imtcp" port="6514" address="${address}")`,
        `template(name="perhost" type="string" string="${d}/logs/%HOSTNAME%/%PROGRAMNAME%.log")`,
        '*.* action(type="omfile" dynaFile="perhost" createDirs="on")',
        '',
      ].join('\n'),
    );
    return d;
  };
  const goodDir = central('good', good, logs.address);
  const badDir = central('bad', bad, impostor.address);
  await net.start(logs.netns, ['rsyslogd', '-n', '-f', path.join(goodDir, 'rsyslog.conf'), '-i', path.join(goodDir, 'pid')], path.join(goodDir, 'out.log'));
  await net.start(impostor.netns, ['rsyslogd', '-n', '-f', path.join(badDir, 'rsyslog.conf'), '-i', path.join(badDir, 'pid')], path.join(badDir, 'out.log'));

  // Two client configurations on the same server namespace: one to the real log host, one
  // to the impostor whose certificate names another host.
  const d = path.join(dir, 'client');
  const c = clientConfig(d, fleetWithLogHost(state.fleet, logs.address, 'logs.example.test'), acme, good.ca);
  fs.writeFileSync(c.odooLog, 'old line written before rsyslog started\n');
  await net.start(net.hub, ['rsyslogd', '-n', '-f', c.main, '-i', path.join(d, 'pid')], path.join(d, 'out.log'));
  const d2 = path.join(dir, 'client-impostor');
  const c2 = clientConfig(d2, fleetWithLogHost(state.fleet, impostor.address, 'logs.example.test'), acme, bad.ca);
  await net.start(net.hub, ['rsyslogd', '-n', '-f', c2.main, '-i', path.join(d2, 'pid')], path.join(d2, 'out.log'));

  const authLog = path.join(goodDir, 'logs/acme/sshd.log');
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
  // Sent once the client listens; queued until the TLS connection is up (the first line
  // over a new connection takes a few seconds). Its arrival proves the pipeline works.
  await net.until('the client rsyslog listening', async () => fs.existsSync(c.socket) && fs.existsSync(c2.socket));
  await runOk(['logger', '-u', c.socket, '-p', 'auth.info', '-t', 'sshd', 'Accepted publickey for root from 192.0.2.7']);
  await net.until('auth line at the log host', async () => read(authLog).includes('Accepted publickey for root from 192.0.2.7'), 300, 100);

  fs.appendFileSync(c.odooLog, '2026-12-01 12:00:00,000 1 INFO acme_prod odoo.modules.loading: Modules loaded.\n');
  const odooLog = path.join(goodDir, 'logs/acme/odoo-production.log');
  await net.until('odoo line at the log host', async () => read(odooLog).includes('odoo.modules.loading: Modules loaded.'), 300, 100);
  assert.not.match(read(odooLog), /old line/, 'freshStartTail: what was there before is not shipped');
  const local = read(path.join(d, 'local.log'));
  assert.match(local, /Accepted publickey for root/, 'local logging unchanged');

  // The impostor: the TLS check refuses it, and it never receives a line.
  await runOk(['logger', '-u', c2.socket, '-p', 'auth.info', '-t', 'sshd', 'secret line for the real log host only']);
  await net.until('the name check refusing the impostor', async () => /peer name not authorized/.test(read(path.join(d2, 'local.log')) + read(path.join(d2, 'out.log'))), 300, 100);
  assert.not.ok(fs.existsSync(path.join(badDir, 'logs/acme')), 'nothing reached the impostor');
});

test.run();
