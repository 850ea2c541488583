/**
 * `odoops maintain` end to end on a server that runs both instances (issue 9 item 1: backup
 * first, both instances health-checked after). The `--rootfs` servers run no instances, so
 * this runs on an ordinary sandbox server (stand-ins, its PostgreSQL) whose package state is
 * made its own first: inside the server's private mount namespace, /var/lib/dpkg,
 * /var/lib/apt and /var/cache/apt get an overlay whose upper layer is in the sandbox
 * directory, apt's sources (in the server's own /etc) name only a file:// repository of
 * packages the test builds, and those install under /opt (per-server too). So apt and dpkg
 * run for real on the server while the machine's own package database is never written:
 * the last test checks it byte for byte. `systemctl` on the server is the sandbox's reboot
 * stand-in, so no path can reboot the machine.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDesiredState } from '../../operator/desired/load.ts';
import type { ClientSpec, WindowSpec } from '../../operator/desired/types.ts';
import { maintainClient, type StepEvent } from '../../operator/maintain/run.ts';
import { renderMaintenanceText } from '../../operator/maintain/report.ts';
import type { MaintenanceRun } from '../../operator/maintain/types.ts';
import { sandboxExec, sandboxFault } from '../../operator/sandbox/index.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';
import { buildDeb, publish } from './apt-repo.ts';

const t = suite('maintain: snapshot before apt and health checks after, on a server running both instances');
const WINDOW: WindowSpec = { kind: 'allow', schedule: '0 2 * * *', duration: '3h', timeZone: 'UTC', manualSync: true };
const INSIDE = new Date('2026-12-06T02:30:00Z');
const RELEASE = { Origin: 'odoops-test', Label: 'odoops-test', Suite: 'bookworm', Codename: 'bookworm', Version: '12' };
/** Where the test packages put their files on the server: /opt is per server. */
const DATA_DIR = '/opt/odoops-test';
const REPO = path.resolve(import.meta.dirname, '../..');
const PACKAGE_STATE = ['/var/lib/dpkg', '/var/lib/apt', '/var/cache/apt'];

let info: SandboxInfo | undefined;
let work = '';
let repo = '';
let spec: ClientSpec;
let client = '';
let machineDpkg = '';

const sha = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

async function onServer(script: string): Promise<string> {
  const r = await sandboxExec(info!, client, ['sh', '-c', script], { timeoutMs: 300_000 });
  assert.is(r.code, 0, `${script}: ${r.stderr}`);
  return r.stdout;
}

const deb = (name: string, version: string) => buildDeb(work, name, version, { dataDir: DATA_DIR });

function maintain(opts: { onStep?: (e: StepEvent) => void; healthTimeoutMs?: number } = {}): Promise<MaintenanceRun> {
  return maintainClient(spec, {
    kind: 'os', now: () => INSIDE, onStep: opts.onStep,
    ssh: { privateKeyPath: info!.privateKeyPath, readyTimeoutMs: 10_000 }, rebootTimeoutMs: 60_000, healthTimeoutMs: opts.healthTimeoutMs ?? 60_000,
  });
}

t.before(async () => {
  machineDpkg = await sha('/var/lib/dpkg/status');
  // /run is the machine's on these servers: a reboot-required flag there would send the run into the reboot step.
  assert.not.ok(existsSync('/run/reboot-required'), 'the machine itself asks for a reboot: this test would take the reboot path');
  work = await mkdtemp(path.join(os.tmpdir(), 'odoops-maintain-debs-'));
  info = await startSandbox(1);
  client = info.servers[0]!.client;
  const desired = await loadDesiredState({ repo: info.repoDir });
  spec = { ...desired.clients.find((c) => c.name === client)!, maintenance: { os: WINDOW } };
  assert.equal(spec.instances.map((i) => i.name).sort(), ['production', 'test']);
  // The server's own package state: overlays inside its mount namespace only, upper layers in the sandbox directory.
  for (const dir of PACKAGE_STATE) {
    const base = path.join(info.dir, 'package-state', dir.slice(1).replace(/\//g, '_'));
    await mkdir(path.join(base, 'upper'), { recursive: true });
    await mkdir(path.join(base, 'work'), { recursive: true });
    const m = await sandboxExec(info, client, ['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${dir},upperdir=${base}/upper,workdir=${base}/work`, dir]);
    assert.is(m.code, 0, m.stderr);
  }
  // The reboot stand-in, first on the server's PATH after the docker/odoo stand-ins (/usr/local is per server).
  const systemctl = await readFile(new URL('../../operator/sandbox/standins/rootfs/systemctl', import.meta.url), 'utf8');
  const r = await sandboxExec(info, client, ['sh', '-c', 'cat > /usr/local/bin/systemctl && chmod 0755 /usr/local/bin/systemctl'], { input: systemctl });
  assert.is(r.code, 0, r.stderr);
  assert.is((await onServer('command -v systemctl')).trim(), '/usr/local/bin/systemctl');
  // apt's sources: only the test's repository (a path of the sandbox directory, which the server sees too).
  repo = path.join(info.dir, 'apt-repo');
  await publish(repo, RELEASE, await deb('odoops-tool', '1.0'));
  await onServer(`rm -f /etc/apt/sources.list /etc/apt/sources.list.d/* && echo "deb [trusted=yes] file:${repo} ./" > /etc/apt/sources.list.d/odoops-test.list`);
  await onServer('apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q odoops-tool >/dev/null');
  assert.is(await readFile('/var/lib/dpkg/status', 'utf8').then((s) => s.includes('Package: odoops-tool')), false, 'installed on the server only');
  await publish(repo, RELEASE, await deb('odoops-tool', '1.1'));
});

t.after(async () => {
  await stopSandbox(info);
  await rm(work, { recursive: true, force: true });
});

t('both instances: a verified snapshot of each before apt, the update, then each started and health-checked', async () => {
  const run = await maintain();
  assert.is(run.result, 'done', JSON.stringify(run.reason ?? run.steps));
  const order = run.steps.map((s) => `${s.step}${s.instance ? ` ${s.instance}` : ''}:${s.outcome}`);
  const at = (x: string) => order.indexOf(x);
  for (const i of ['test', 'production']) {
    assert.ok(at(`snapshot ${i}:ok`) >= 0 && at(`snapshot ${i}:ok`) < at('update-lists:ok'), `snapshot of ${i} before apt: ${order.join(', ')}`);
    assert.ok(at(`health-check ${i}:ok`) > at('upgrade:ok'), `${i} health-checked after the upgrade: ${order.join(', ')}`);
    assert.ok(at(`start-instances ${i}:ok`) < at(`health-check ${i}:ok`));
  }
  assert.equal((await onServer(`cat ${DATA_DIR}/odoops-tool/version`)).trim(), '1.1');
  assert.equal(run.upgraded.map((u) => `${u.name} ${u.from} ${u.to}`), ['odoops-tool 1.0 1.1']);
  // Each snapshot is a dump that reads back, taken before the package was upgraded.
  assert.equal(Object.keys(run.snapshots).sort(), ['production', 'test']);
  for (const [instance, dir] of Object.entries(run.snapshots)) {
    const database = spec.instances.find((i) => i.name === instance)!.database;
    const toc = await onServer(`docker compose -f /srv/odoo/${instance}/compose.yaml exec -T db pg_restore --list < ${dir}/db.dump`);
    assert.match(toc, new RegExp(`dbname: ${database}`), `${instance}'s dump is of ${database}`);
    const older = await onServer(`[ ${dir}/db.dump -ot /var/lib/dpkg/info/odoops-tool.list ] && echo before || echo after`);
    assert.is(older.trim(), 'before', `${instance}'s dump was written before apt installed the update`);
  }
  // Serving after the run: the login page of each database.
  for (const i of spec.instances) {
    const page = await onServer(`curl -fsS "http://127.0.0.1:${i.httpPort}/web/login?db=${i.database}"`);
    assert.match(page, /oe_login_form/, `${i.name} serves its login page`);
  }
});

t('a failing health check after the update is reported: run failed, reason unhealthy, each instance named', async () => {
  await publish(repo, RELEASE, await deb('odoops-tool', '1.2'));
  // PostgreSQL does not come back with the update: it stops right when apt is done (synchronously:
  // the run goes on only once it is down).
  const run = await maintain({
    healthTimeoutMs: 5_000,
    onStep: (e) => {
      if (e.step !== 'upgrade' || e.phase !== 'end') return;
      const r = spawnSync(process.execPath, ['bin/odoops.mjs', 'sandbox', 'fault', '--dir', info!.dir, client, 'db-stop'], { encoding: 'utf8', timeout: 60_000, cwd: REPO });
      assert.is(r.status, 0, r.stderr);
    },
  });
  try {
    assert.is(run.result, 'failed', JSON.stringify(run.steps));
    assert.is(run.reason?.code, 'unhealthy');
    assert.match(run.reason!.message, /health-check of (test|production) failed: GET \/web\/login\?db=/);
    const health = run.steps.filter((s) => s.step === 'health-check');
    assert.equal(health.map((s) => `${s.instance}:${s.outcome}`).sort(), ['production:failed', 'test:failed'], 'both instances were checked, both reported');
    for (const s of health) assert.match(s.detail ?? '', /GET \/web\/login\?db=\S+ /);
    assert.equal((await onServer(`cat ${DATA_DIR}/odoops-tool/version`)).trim(), '1.2', 'the update itself went through');
    const text = renderMaintenanceText([run]);
    assert.match(text, /os maintenance FAILED/);
    assert.match(text, /FAILED +health-check test: GET \/web\/login/);
    assert.match(text, /FAILED +health-check production: GET \/web\/login/);
  } finally {
    await sandboxFault({ dir: info!.dir, client, fault: 'db-start' });
  }
});

t('the machine\'s own package database was never written', async () => {
  assert.is(await sha('/var/lib/dpkg/status'), machineDpkg);
  assert.not.ok(existsSync(path.join(DATA_DIR, 'odoops-tool')), 'no test package file on the machine');
});

t.run();
