/**
 * renderNrpe run by the real NRPE daemon (Debian nagios-nrpe-server) in a network namespace
 * this test creates, queried with the real check_nrpe from a "monitoring server" namespace:
 * OK, then CRITICAL once the checked service is stopped; refused from a host not allowed;
 * only the inventory's checks exist.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { ClientSpec } from '../../operator/desired/types.ts';
import { nrpeCommandLine, renderNrpe } from '../../operator/render/nrpe.ts';
import { exampleClient, tempDir } from './helpers.ts';
import { TestNet } from './netns.ts';

const CHECK_NRPE = '/usr/lib/nagios/plugins/check_nrpe';
const WEB_PORT = 18069;
let net: TestNet | undefined;
let web: ChildProcess | undefined;
const dir = tempDir('nrpe');

test.after(async () => {
  await net?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

function client(base: ClientSpec, monitoring: string): ClientSpec {
  return {
    ...base,
    monitoring: {
      servers: [monitoring],
      checks: [
        { name: 'check_odoo_login', command: 'check_http', warning: '2', critical: '5', args: ['-I', '127.0.0.1', '-p', String(WEB_PORT), '-u', '/web/login?db=acme_prod'] },
        ...base.monitoring.checks.filter((c) => c.name === 'check_disk_root'),
      ],
    },
  };
}

test('the rendered file is the whole nrpe.cfg: exactly the inventory checks, quoted, only the monitoring servers', async () => {
  const acme = await exampleClient('acme');
  const r = renderNrpe(acme);
  assert.is(r.files.length, 1);
  const cfg = r.files[0]!;
  assert.is(cfg.path, '/etc/nagios/nrpe.cfg');
  assert.match(cfg.content, /^allowed_hosts=198\.51\.100\.201,203\.0\.113\.202$/m);
  assert.match(cfg.content, /^dont_blame_nrpe=0$/m);
  assert.not.match(cfg.content, /^include/m);
  const commands = cfg.content.split('\n').filter((l) => l.startsWith('command['));
  assert.equal(commands.map((l) => /^command\[(\w+)\]/.exec(l)![1]).sort(), acme.monitoring.checks.map((c) => c.name).sort());
  assert.match(cfg.content, /^command\[check_disk_root\]=\/usr\/lib\/nagios\/plugins\/check_disk -w 20% -c 10% -p \/$/m);
  assert.is(nrpeCommandLine({ name: 'x', command: 'check_http', args: ['-u', '/web/login?db=a&b'] }), "/usr/lib/nagios/plugins/check_http -u '/web/login?db=a&b'");
  assert.throws(() => renderNrpe({ ...acme, monitoring: { ...acme.monitoring, servers: [] } }), /no monitoring servers .*NRPE would answer anyone/);
  const twice = { ...acme, monitoring: { ...acme.monitoring, checks: [...acme.monitoring.checks, acme.monitoring.checks[0]!] } };
  assert.throws(() => renderNrpe(twice), /monitoring\.checks names check_odoo_http twice/);
});

test('real nrpe: OK from the monitoring server, CRITICAL after the service stops, refused elsewhere', async () => {
  net = await TestNet.create('nrpe', ['mon']);
  const mon = net.peer('mon');
  const spec = client(await exampleClient('acme'), mon.address);
  const r = renderNrpe(spec, { configFile: path.join(dir, 'nrpe.cfg'), pidFile: path.join(dir, 'nrpe.pid'), serverAddress: mon.hubAddress });
  const cfg = r.files[0]!;
  fs.writeFileSync(cfg.path, cfg.content, { mode: cfg.mode });

  // The checked service: an HTTP server answering /web/login on the client's loopback.
  const docroot = path.join(dir, 'www');
  fs.mkdirSync(path.join(docroot, 'web'), { recursive: true });
  fs.writeFileSync(path.join(docroot, 'web/login'), '<html>login</html>\n');
  web = await net.start(net.hub, ['/usr/bin/python3', '-m', 'http.server', '--bind', '127.0.0.1', '--directory', docroot, String(WEB_PORT)], path.join(dir, 'web.log'));
  const nrpe = await net.start(net.hub, ['nrpe', '-c', cfg.path, '-f'], path.join(dir, 'nrpe.log'));

  const query = (from: string, host: string, command: string) => net!.exec(from, [CHECK_NRPE, '-H', host, '-c', command, '-t', '20']);
  await net.until('nrpe answering', async () => (await query(mon.netns, mon.hubAddress, 'check_odoo_login')).code === 0);
  const ok = await query(mon.netns, mon.hubAddress, 'check_odoo_login');
  assert.is(ok.code, 0);
  assert.match(ok.stdout, /^HTTP OK: HTTP\/1\.0 200 OK/);

  const disk = await query(mon.netns, mon.hubAddress, 'check_disk_root');
  assert.ok([0, 1, 2].includes(disk.code), disk.stdout);
  assert.match(disk.stdout, /^DISK (OK|WARNING|CRITICAL)/);

  const unknown = await query(mon.netns, mon.hubAddress, 'check_users');
  assert.is(unknown.code, 3, "Debian's stock commands are not there");
  assert.match(unknown.stdout, /Command 'check_users' not defined/);

  const args = await net.exec(mon.netns, [CHECK_NRPE, '-H', mon.hubAddress, '-c', 'check_odoo_login', '-a', 'x']);
  assert.is.not(args.code, 0, 'arguments from the network are refused');

  // From the client itself (its own address, not in allowed_hosts).
  const stranger = await net.exec(net.hub, [CHECK_NRPE, '-H', mon.hubAddress, '-c', 'check_odoo_login', '-t', '10']);
  assert.is.not(stranger.code, 0);
  assert.not.match(stranger.stdout, /HTTP OK/);

  await net.stop(web);
  const down = await query(mon.netns, mon.hubAddress, 'check_odoo_login');
  assert.is(down.code, 2, down.stdout);
  assert.match(down.stdout, /Connection refused|CRITICAL/);
  await net.stop(nrpe);
});

test.run();
