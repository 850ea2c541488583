/**
 * The generated monitoring, end to end with the real daemons: Nagios (nagios4-core) runs the
 * rendered objects in a "monitoring server" namespace against a "client server" namespace
 * that runs the rendered NRPE. The NRPE service goes OK, then CRITICAL when the checked
 * service stops, and the contact's notify command receives the documented arguments.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { ClientSpec, FleetSpec } from '../../operator/desired/types.ts';
import { renderNagios } from '../../operator/render/nagios.ts';
import { renderNrpe } from '../../operator/render/nrpe.ts';
import { STATUS_VERSION } from '../../operator/render/check-odoops.ts';
import { exampleClient, exampleState, tempDir, writeUnder } from './helpers.ts';
import { TestNet } from './netns.ts';

const dir = tempDir('nagios-run');
let net: TestNet | undefined;
test.after(async () => {
  await net?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const WEB_PORT = 18069;
const SSH_PORT = 2222;

const nagiosIds = (() => {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nagios:'))!;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
})();

/** status.dat blocks of one kind, as key=value maps. */
function statusBlocks(kind: string): Record<string, string>[] {
  const file = path.join(dir, 'nagios/status.dat');
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  const out: Record<string, string>[] = [];
  for (const m of text.matchAll(new RegExp(`^${kind} \\{\\n([\\s\\S]*?)\\n\\t\\}`, 'gm'))) {
    const block: Record<string, string> = {};
    for (const l of m[1]!.split('\n')) {
      const i = l.indexOf('=');
      if (i > 0) block[l.slice(0, i).trim()] = l.slice(i + 1);
    }
    out.push(block);
  }
  return out;
}

const service = (desc: string) => statusBlocks('servicestatus').find((b) => b.service_description === desc);

test('Nagios runs the rendered objects: NRPE check OK, CRITICAL once the service stops, contact notified', async () => {
  net = await TestNet.create('nag', ['mon']);
  const mon = net.peer('mon');
  const state = await exampleState();
  const base = await exampleClient('acme');
  const client: ClientSpec = {
    ...base,
    server: { ...base.server, host: mon.hubAddress, port: SSH_PORT },
    monitoring: { servers: [mon.address], checks: [{ name: 'check_odoo_login', command: 'check_http', args: ['-I', '127.0.0.1', '-p', String(WEB_PORT), '-u', '/web/login'] }] },
  };

  // Client side: the checked web service, an SSH banner for the host check, the rendered NRPE.
  const www = path.join(dir, 'www');
  fs.mkdirSync(path.join(www, 'web'), { recursive: true });
  fs.writeFileSync(path.join(www, 'web/login'), 'login\n');
  const web: ChildProcess = await net.start(net.hub, ['/usr/bin/python3', '-m', 'http.server', '--bind', '127.0.0.1', '--directory', www, String(WEB_PORT)], path.join(dir, 'web.log'));
  const banner = "require('net').createServer(s=>{s.on('error',()=>{});s.write('SSH-2.0-OpenSSH_9.2p1\\r\\n');setTimeout(()=>s.destroy(),2000);}).listen(" + SSH_PORT + ",'0.0.0.0')";
  await net.start(net.hub, [process.execPath, '-e', banner], path.join(dir, 'ssh.log'));
  const nrpe = renderNrpe(client, { configFile: path.join(dir, 'nrpe.cfg'), pidFile: path.join(dir, 'nrpe.pid') }).files[0]!;
  fs.writeFileSync(nrpe.path, nrpe.content);
  await net.start(net.hub, ['nrpe', '-c', nrpe.path, '-f'], path.join(dir, 'nrpe.log'));

  // Monitoring side: the rendered objects under a private nagios.cfg (1-second interval unit).
  const nag = path.join(dir, 'nagios');
  fs.mkdirSync(path.join(nag, 'checkresults'), { recursive: true });
  const notified = path.join(nag, 'notified.log');
  const notify = path.join(dir, 'notify');
  fs.writeFileSync(notify, `#!/bin/sh\nprintf '%s|' "$@" >> ${notified}\necho >> ${notified}\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(nag, 'status.json'), JSON.stringify({ version: STATUS_VERSION, generatedAt: new Date().toISOString(), clients: [{ name: 'acme', drift: { state: 'in-sync' }, backups: [] }] }));
  const fleet: FleetSpec = { ...state.fleet, nagios: { ...state.fleet.nagios, statusSource: path.join(nag, 'status.json'), contacts: [{ name: 'oncall', email: 'oncall@example.test', notifyCommand: [notify, '--team', 'ops'] }] } };
  const rendered = renderNagios(fleet, [client], { configDir: path.join(nag, 'objects'), checkOdoopsPath: path.join(nag, 'check_odoops') });
  writeUnder('/', rendered.files);
  const cfg = path.join(nag, 'nagios.cfg');
  fs.writeFileSync(
    cfg,
    [
      `log_file=${nag}/nagios.log`,
      `cfg_dir=${nag}/objects`,
      `object_cache_file=${nag}/objects.cache`,
      `precached_object_file=${nag}/objects.precache`,
      `status_file=${nag}/status.dat`,
      'status_update_interval=1',
      `temp_file=${nag}/nagios.tmp`,
      `temp_path=${nag}`,
      `lock_file=${nag}/nagios.lock`,
      `check_result_path=${nag}/checkresults`,
      'check_result_reaper_frequency=1',
      `state_retention_file=${nag}/retention.dat`,
      'retain_state_information=0',
      'check_external_commands=1',
      `command_file=${nag}/nagios.cmd`,
      'nagios_user=nagios',
      'nagios_group=nagios',
      'interval_length=1',
      'max_service_check_spread=1',
      'max_host_check_spread=1',
      'use_syslog=0',
      'enable_notifications=1',
      "illegal_macro_output_chars=`~$&|'\"<>",
      '',
    ].join('\n'),
  );
  for (const p of [dir, nag, path.join(nag, 'checkresults')]) fs.chownSync(p, nagiosIds.uid, nagiosIds.gid);
  await net.start(mon.netns, ['nagios4', cfg], path.join(dir, 'nagios.out'));

  const login = 'nrpe check_odoo_login';
  await net.until('Nagios seeing the NRPE check OK', async () => service(login)?.current_state === '0' && service(login)?.has_been_checked === '1', 600, 100);
  assert.match(service(login)!.plugin_output!, /^HTTP OK/);
  await net.until('the drift check read from the status file', async () => service('drift')?.has_been_checked === '1', 600, 100);
  assert.is(service('drift')!.current_state, '0', service('drift')!.plugin_output);
  const host = statusBlocks('hoststatus').find((b) => b.host_name === 'acme');
  assert.ok(host, 'the client is a Nagios host');

  await net.stop(web);
  await net.until('a hard CRITICAL and a notification', async () => {
    const s = service(login);
    return s?.current_state === '2' && s.state_type === '1' && fs.existsSync(notified) && fs.readFileSync(notified, 'utf8').includes(login);
  }, 1200, 100);
  assert.match(service(login)!.plugin_output!, /Connection refused|CRITICAL/);
  const line = fs.readFileSync(notified, 'utf8').split('\n').find((l) => l.includes(login))!;
  const args = line.split('|').slice(0, -1);
  assert.equal(args.slice(0, 7), ['--team', 'ops', 'service', 'PROBLEM', 'acme', login, 'CRITICAL']);
  assert.is(args[8], 'oncall@example.test');
  assert.ok(rendered.files.length > 0 && nrpe.content.includes('allowed_hosts=10.77.1.1'));
});

test.run();
