/**
 * renderNagios checked by the real Nagios (Debian nagios4-core): `nagios4 -v` on the
 * generated objects, alone and next to Debian's stock objects; a broken output is rejected.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { renderNagios, backupMaxAgeHours } from '../../operator/render/nagios.ts';
import { run } from '../../operator/sandbox/proc.ts';
import { exampleState, fileAt, tempDir, writeUnder } from './helpers.ts';

const dirs: string[] = [];
test.after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A private nagios.cfg: every path under `dir`, objects from `objects`. */
function minimalNagiosCfg(dir: string, objects: string): string {
  fs.mkdirSync(path.join(dir, 'checkresults'), { recursive: true });
  // Nagios checks that its user can write its temp and result paths.
  for (const d of [dir, path.join(dir, 'checkresults')]) fs.chownSync(d, nagiosUid.uid, nagiosUid.gid);
  const cfg = path.join(dir, 'nagios.cfg');
  fs.writeFileSync(
    cfg,
    [
      `log_file=${dir}/nagios.log`,
      `cfg_dir=${objects}`,
      `object_cache_file=${dir}/objects.cache`,
      `precached_object_file=${dir}/objects.precache`,
      `status_file=${dir}/status.dat`,
      `temp_file=${dir}/nagios.tmp`,
      `temp_path=${dir}`,
      `lock_file=${dir}/nagios.lock`,
      `check_result_path=${dir}/checkresults`,
      `state_retention_file=${dir}/retention.dat`,
      `command_file=${dir}/nagios.cmd`,
      'nagios_user=nagios',
      'nagios_group=nagios',
      "illegal_macro_output_chars=`~$&|'\"<>",
      '',
    ].join('\n'),
  );
  return cfg;
}

const nagiosUid = (() => {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nagios:'));
  if (!line) throw new Error('no nagios user (nagios4-core not installed?)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
})();

async function verify(cfg: string): Promise<{ code: number; out: string }> {
  const r = await run(['nagios4', '-v', cfg], { timeoutMs: 60000 });
  return { code: r.code, out: r.stdout + r.stderr };
}

test('the example fleet renders a configuration nagios4 -v accepts with no warning', async () => {
  const state = await exampleState();
  const dir = tempDir('nagios');
  dirs.push(dir);
  const r = renderNagios(state.fleet, state.clients, { configDir: `${dir}/objects`, checkOdoopsPath: `${dir}/bin/check_odoops` });
  writeUnder('/', r.files);
  const { code, out } = await verify(minimalNagiosCfg(dir, `${dir}/objects`));
  assert.is(code, 0, out);
  assert.match(out, /Total Warnings:\s+0/);
  assert.match(out, /Total Errors:\s+0/);
  // Per client: 3 services per instance, drift, one per NRPE check.
  const services = state.clients.reduce((n, c) => n + 3 * c.instances.length + 1 + c.monitoring.checks.length, 0);
  assert.match(out, new RegExp(`Checked ${services} services\\.`));
  assert.match(out, new RegExp(`Checked ${state.clients.length} hosts\\.`));

  const acme = fileAt(r.files, `${dir}/objects/clients/acme.cfg`).content;
  assert.match(acme, /check_command\s+odoops-check-odoo-login!erp\.acme\.example!acme_prod\n/);
  assert.match(acme, /check_command\s+odoops-check-backup!production!26\n/);
  assert.match(acme, /service_description\s+nrpe check_disk_root\n/);
  const base = fileAt(r.files, `${dir}/objects/odoops.cfg`).content;
  assert.match(base, /-u '\/web\/login\?db=\$ARG2\$' -e 'HTTP\/1\.1 200,HTTP\/1\.0 200'/);
  assert.match(base, /command_line\s+\/usr\/local\/bin\/notify-oncall service "\$NOTIFICATIONTYPE\$"/);
  assert.is(fileAt(r.files, `${dir}/bin/check_odoops`).mode, 0o755);
  assert.equal(r.validate.map((v) => v.argv), [['nagios4', '-v', '/etc/nagios4/nagios.cfg']]);
});

test("the objects coexist with Debian's stock nagios4 configuration (no name clashes)", async () => {
  const state = await exampleState();
  const dir = tempDir('nagios-debian');
  dirs.push(dir);
  const etc = path.join(dir, 'etc');
  fs.cpSync('/etc/nagios4', etc, { recursive: true, dereference: true });
  for (const sub of ['var', 'var/spool/checkresults', 'log', 'run']) {
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
    fs.chownSync(path.join(dir, sub), nagiosUid.uid, nagiosUid.gid);
  }
  const stock = fs.readFileSync(path.join(etc, 'nagios.cfg'), 'utf8');
  const cfg = path.join(etc, 'nagios.cfg');
  fs.writeFileSync(
    cfg,
    stock
      .replaceAll('/etc/nagios4', etc)
      .replaceAll('/var/lib/nagios4', `${dir}/var`)
      .replaceAll('/var/log/nagios4', `${dir}/log`)
      .replaceAll('/var/run/nagios4', `${dir}/run`),
  );
  assert.ok(fs.readFileSync(cfg, 'utf8').includes(`cfg_dir=${etc}/conf.d`), 'stock config reads conf.d');
  const r = renderNagios(state.fleet, state.clients, { configDir: `${etc}/conf.d/odoops`, checkOdoopsPath: `${dir}/bin/check_odoops` });
  writeUnder('/', r.files);
  const { code, out } = await verify(cfg);
  assert.is(code, 0, out);
  assert.match(out, /Total Errors:\s+0/);
  assert.not.match(out, /[Dd]uplicate/);
});

test('a broken output is rejected by nagios4 -v (the check can fail)', async () => {
  const state = await exampleState();
  const dir = tempDir('nagios-broken');
  dirs.push(dir);
  const r = renderNagios(state.fleet, state.clients, { configDir: `${dir}/objects`, checkOdoopsPath: `${dir}/bin/check_odoops` });
  const files = r.files.map((f) =>
    f.path.endsWith('/clients/boreal.cfg') ? { ...f, content: f.content.replace('odoops-check-drift', 'odoops-check-nothing') } : f,
  );
  writeUnder('/', files);
  const { code, out } = await verify(minimalNagiosCfg(dir, `${dir}/objects`));
  assert.is.not(code, 0);
  assert.match(out, /odoops-check-nothing/);
  // Two directives on one line are an error too: the renderer never writes that.
  for (const f of r.files.filter((x) => x.path.endsWith('.cfg'))) {
    for (const line of f.content.split('\n')) assert.not.match(line, /\{.*\S.*\}/, `${f.path}: ${line}`);
  }
});

test('no contacts is a clear error (Nagios refuses a configuration without any)', async () => {
  const state = await exampleState();
  const fleet = { ...state.fleet, nagios: { ...state.fleet.nagios, contacts: [] } };
  assert.throws(() => renderNagios(fleet, state.clients), /fleet\.yaml nagios\.contacts: Nagios needs at least one contact/);
});

test('backup freshness follows the schedule: daily 26 h, weekly 170 h (171 across a DST change)', async () => {
  const acme = (await exampleState()).clients.find((c) => c.name === 'acme')!;
  assert.is(backupMaxAgeHours(acme), 26);
  assert.is(backupMaxAgeHours({ ...acme, backups: { ...acme.backups, schedule: '0 1 * * 0', timeZone: 'UTC' } }), 170);
  assert.is(backupMaxAgeHours({ ...acme, backups: { ...acme.backups, schedule: '0 1 * * 0', timeZone: 'Europe/Paris' } }), 171);
  assert.is(backupMaxAgeHours({ ...acme, backups: { ...acme.backups, schedule: '0 */6 * * *' } }), 26, 'never below a day');
});

test('rendering is deterministic and the digest follows the content', async () => {
  const state = await exampleState();
  const a = renderNagios(state.fleet, state.clients);
  const b = renderNagios(state.fleet, [...state.clients].reverse());
  assert.is(a.digest, b.digest);
  assert.match(a.digest, /^sha256:[0-9a-f]{64}$/);
  const c = renderNagios({ ...state.fleet, nagios: { ...state.fleet.nagios, certificateWarningDays: 30 } }, state.clients);
  assert.is.not(c.digest, a.digest);
});

test('bad settings are clear errors', async () => {
  const state = await exampleState();
  const fleet = { ...state.fleet, nagios: { ...state.fleet.nagios, certificateWarningDays: 5, certificateCriticalDays: 7 } };
  assert.throws(() => renderNagios(fleet, state.clients), /certificateCriticalDays \(7\) must be below certificateWarningDays \(5\)/);
  const rel = { ...state.fleet, nagios: { ...state.fleet.nagios, contacts: [{ name: 'x', notifyCommand: ['notify'] }] } };
  assert.throws(() => renderNagios(rel, state.clients), /nagios\.contacts x: notifyCommand must start with an absolute program path/);
});

test.run();
