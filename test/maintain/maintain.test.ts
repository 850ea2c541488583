/**
 * `odoops maintain` for real (issue 9 items 1 and 7) on a sandbox server with its own Debian
 * root (`sandbox up --rootfs`): the test builds packages with dpkg-deb into two local file://
 * repositories inside that root — a "security" one (Origin Debian, Label Debian-Security,
 * bookworm-security, as Debian's security archive says) and an ordinary one —, and checks
 * what maintain did with dpkg-query and apt-mark showhold on the server: security updates
 * only with unattended-upgrade, every update with --kind os, Odoo's package held, Docker's
 * packages held for the update only (their hold state afterwards as it was), a reboot
 * only when a package asks for it (the sandbox's systemctl stand-in), a window closing
 * mid-way stopping the run before the next step. The machine is never upgraded nor rebooted.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDesiredState } from '../../operator/desired/load.ts';
import type { ClientSpec, WindowSpec } from '../../operator/desired/types.ts';
import { connectSsh } from '../../operator/live/ssh.ts';
import { readOsState } from '../../operator/maintain/os-state.ts';
import { maintainClient, type StepEvent } from '../../operator/maintain/run.ts';
import type { MaintenanceRun } from '../../operator/maintain/types.ts';
import { APT_REPO_DIR, sandboxDown, sandboxExec, sandboxUp } from '../../operator/sandbox/index.ts';
import type { SandboxInfo } from '../util/sandbox.ts';
import { buildDeb as buildDebIn, publish as publishIn } from './apt-repo.ts';

const t = suite('maintain: OS updates in windows on a server with its own Debian root');
const SECURITY_REPO = '/var/local/apt-security';
/** The windows of the tests: 02:00-05:00 UTC every day. */
const WINDOW: WindowSpec = { kind: 'allow', schedule: '0 2 * * *', duration: '3h', timeZone: 'UTC', manualSync: true };
const INSIDE = new Date('2026-12-06T02:30:00Z');
const AFTER = new Date('2026-12-06T05:30:00Z');

let info: SandboxInfo | undefined;
let work = '';
let spec: ClientSpec;
let client = '';
let machineDpkg = '';
let machineBootId = '';

const sha = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');
const root = () => info!.servers[0]!.rootfs!;

async function onServer(script: string): Promise<string> {
  const r = await sandboxExec(info!, client, ['sh', '-c', script], { timeoutMs: 300_000 });
  assert.is(r.code, 0, `${script}: ${r.stderr}`);
  return r.stdout;
}

/** dpkg-query's view of the server: name -> version. */
async function versions(...names: string[]): Promise<Record<string, string>> {
  const r = await sandboxExec(info!, client, ['dpkg-query', '-W', '-f', '${Package}\t${Version}\n', ...names]);
  return Object.fromEntries(r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string]));
}

const buildDeb = (name: string, version: string, opts: { rebootRequired?: boolean } = {}) => buildDebIn(work, name, version, opts);
const publish = (repo: string, release: Record<string, string>, ...debs: string[]) => publishIn(path.join(root(), repo), release, ...debs);

const SECURITY_RELEASE = { Origin: 'Debian', Label: 'Debian-Security', Suite: 'bookworm-security', Codename: 'bookworm-security', Version: '12' };
const OTHER_RELEASE = { Origin: 'odoops-test', Label: 'odoops-test', Suite: 'bookworm', Codename: 'bookworm', Version: '12' };

const security = (...debs: string[]) => publish(SECURITY_REPO, SECURITY_RELEASE, ...debs);
const other = (...debs: string[]) => publish(APT_REPO_DIR, OTHER_RELEASE, ...debs);

function maintain(kind: 'security' | 'os', opts: { now?: () => Date; onStep?: (e: StepEvent) => void; ignoreWindows?: boolean } = {}): Promise<MaintenanceRun> {
  return maintainClient(spec, {
    kind, now: opts.now ?? (() => INSIDE), ignoreWindows: opts.ignoreWindows, onStep: opts.onStep,
    ssh: { privateKeyPath: info!.privateKeyPath, readyTimeoutMs: 10_000 }, rebootTimeoutMs: 120_000, healthTimeoutMs: 60_000,
  });
}

t.before(async () => {
  machineDpkg = await sha('/var/lib/dpkg/status');
  machineBootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  work = await mkdtemp(path.join(os.tmpdir(), 'odoops-maintain-debs-'));
  info = await sandboxUp({ clients: 1, dir: await mkdtemp(path.join(os.tmpdir(), 'odoops-sandbox-')), rootfs: true });
  client = info.servers[0]!.client;
  const desired = await loadDesiredState({ repo: info.repoDir });
  spec = { ...desired.clients.find((c) => c.name === client)!, maintenance: { security: WINDOW, os: WINDOW } };
  assert.equal(spec.security.heldPackages, ['odoo'], 'the fleet holds Odoo\'s package');
  // The server as an admin left it: version 1.0 of everything, from both repositories.
  await writeFile(path.join(root(), 'etc/apt/sources.list.d/sandbox-security.list'), `deb [trusted=yes] file:${SECURITY_REPO} ./\n`);
  await security(await buildDeb('odoops-seclib', '1.0'), await buildDeb('odoops-kernel', '1.0'));
  await other(await buildDeb('odoops-tool', '1.0'), await buildDeb('odoo', '17.0.20250101'));
  // Packages named as Docker's: docker-ce not held, containerd held by the admin.
  await other(await buildDeb('docker-ce', '1.0'), await buildDeb('containerd', '1.0'));
  await onServer('apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q odoops-seclib odoops-kernel odoops-tool odoo docker-ce containerd >/dev/null && apt-mark hold containerd >/dev/null');
  // Newer versions published: security (seclib, and docker-ce's), ordinary (tool, containerd) and
  // Odoo's (never by maintenance); Docker's are never upgraded by maintenance either.
  await security(await buildDeb('odoops-seclib', '1.1'), await buildDeb('docker-ce', '1.1'));
  await other(await buildDeb('odoops-tool', '1.1'), await buildDeb('odoo', '17.0.20250201'), await buildDeb('containerd', '1.1'));
});

t.after(async () => {
  if (info) await sandboxDown({ dir: info.dir });
  await rm(work, { recursive: true, force: true });
});

t('live state: OS release, pending security and other updates, held packages, reboot required (one read-only call)', async () => {
  await onServer('apt-get update -q >/dev/null');
  const ssh = await connectSsh(client, spec.server, { privateKeyPath: info!.privateKeyPath });
  try {
    const dpkgBefore = await sha(path.join(root(), 'var/lib/dpkg/status'));
    const s = await readOsState(ssh, spec);
    assert.equal(s.release && { id: s.release.id, versionId: s.release.versionId, codename: s.release.codename }, { id: 'debian', versionId: '12', codename: 'bookworm' });
    assert.equal(s.pending.security.map((p) => `${p.name} ${p.from} ${p.to}`).sort(), ['docker-ce 1.0 1.1', 'odoops-seclib 1.0 1.1']);
    assert.equal(s.pending.other.map((p) => `${p.name} ${p.from} ${p.to}`).sort(), ['odoo 17.0.20250101 17.0.20250201', 'odoops-tool 1.0 1.1']);
    assert.match(s.pending.security.find((p) => p.name === 'odoops-seclib')!.origins.join(','), /Debian-Security:12\/bookworm-security/);
    assert.equal(s.held, ['containerd']);
    assert.equal(s.keptBack, ['containerd']);
    assert.is(s.rebootRequired, false);
    assert.equal(s.deployed, [], 'nothing deployed on this server');
    assert.equal(s.errors, []);
    assert.ok(s.listsUpdatedAt, `the lists' age is known: ${await onServer('ls -la /var/lib/apt/lists')}`);
    assert.ok(Math.abs(Date.parse(s.listsUpdatedAt!) - Date.now()) < 3_600_000, 'updated by this test');
    await onServer('touch /var/run/reboot-required && echo linux-image-test > /var/run/reboot-required.pkgs');
    const r = await readOsState(ssh, spec);
    assert.is(r.rebootRequired, true);
    assert.equal(r.rebootPackages, ['linux-image-test']);
    await onServer('rm -f /var/run/reboot-required /var/run/reboot-required.pkgs');
    assert.is(await sha(path.join(root(), 'var/lib/dpkg/status')), dpkgBefore, 'reading changed nothing');
  } finally {
    await ssh.close();
  }
});

t('outside the window nothing starts; --ignore-windows is needed without one', async () => {
  const closed = await maintain('security', { now: () => AFTER });
  assert.is(closed.result, 'outside-window');
  assert.is(closed.reason?.code, 'window-closed');
  assert.equal(closed.steps, []);
  const none = await maintainClient({ ...spec, maintenance: {} }, { kind: 'os', now: () => INSIDE, ssh: { privateKeyPath: info!.privateKeyPath } });
  assert.is(none.reason?.code, 'no-window');
  assert.equal(await versions('odoops-seclib', 'odoops-tool'), { 'odoops-seclib': '1.0', 'odoops-tool': '1.0' });
});

t('security maintenance: unattended-upgrade installs the security update only; Odoo held; no reboot when none is required', async () => {
  const run = await maintain('security');
  assert.is(run.result, 'done', JSON.stringify(run.reason ?? run.steps));
  assert.equal(await versions('odoops-seclib', 'odoops-tool', 'odoo', 'docker-ce', 'containerd'), {
    'odoops-seclib': '1.1', 'odoops-tool': '1.0', odoo: '17.0.20250101', 'docker-ce': '1.0', containerd: '1.0',
  });
  assert.is(await onServer('apt-mark showhold'), 'containerd\nodoo\n', 'Odoo held; Docker\'s holds as they were: containerd (the admin\'s) held, docker-ce not');
  assert.equal(run.held, ['odoo']);
  assert.equal([run.heldDuring, run.keptHeld, run.released], [['docker-ce'], ['containerd'], ['docker-ce']]);
  assert.not.ok(existsSync(path.join(root(), 'var/lib/odoops/maintenance-holds')), 'no record of a hold left');
  assert.equal(run.upgraded.map((u) => `${u.name} ${u.from} ${u.to}`), ['odoops-seclib 1.0 1.1']);
  assert.equal(run.steps.map((s) => `${s.step}:${s.outcome}`), ['snapshot:skipped', 'hold:ok', 'update-lists:ok', 'upgrade:ok', 'release-holds:ok', 'reboot:skipped', 'health-check:skipped']);
  assert.is(run.rebooted, false);
  assert.not.ok(existsSync(path.join(root(), 'var/lib/odoops-sandbox/reboots')), 'not rebooted');
  // unattended-upgrade ran under odoops' rendering of its configuration.
  assert.match(await readFile(path.join(root(), 'etc/apt/apt.conf.d/51odoops-unattended-upgrades'), 'utf8'), /"odoo\$";/);
});

t('os maintenance: every update within the release; a package asking for a reboot -> reboot stand-in, reconnect, reboot no longer required', async () => {
  await security(await buildDeb('odoops-kernel', '1.1', { rebootRequired: true }));
  const steps: string[] = [];
  const run = await maintain('os', { onStep: (e) => e.phase === 'end' && steps.push(e.step) });
  assert.is(run.result, 'done', JSON.stringify(run.reason ?? run.steps));
  assert.equal(await versions('odoops-seclib', 'odoops-tool', 'odoops-kernel', 'odoo', 'docker-ce', 'containerd'), {
    'odoops-seclib': '1.1', 'odoops-tool': '1.1', 'odoops-kernel': '1.1', odoo: '17.0.20250101', 'docker-ce': '1.0', containerd: '1.0',
  });
  assert.is(await onServer('apt-mark showhold'), 'containerd\nodoo\n', 'Odoo\'s package stays held; Docker\'s holds as they were');
  assert.equal(run.released, ['docker-ce']);
  assert.is(run.rebooted, true);
  assert.is(run.rebootRequired, false);
  assert.ok(steps.includes('reconnect'), steps.join(','));
  assert.equal(run.steps.filter((s) => s.step === 'reboot' || s.step === 'reconnect' || s.step === 'release-holds').map((s) => `${s.step}:${s.outcome}`), ['release-holds:ok', 'reconnect:ok', 'reboot:ok']);
  assert.match(run.steps.find((s) => s.step === 'reboot')!.detail ?? '', /odoops-kernel/);
  const reboots = (await readFile(path.join(root(), 'var/lib/odoops-sandbox/reboots'), 'utf8')).trim().split('\n');
  assert.is(reboots.length, 1, 'the stand-in was called once');
  assert.not.ok(existsSync(path.join(root(), 'run/reboot-required')));
  // After the reconnect the run still read the server: its state after the reboot is known.
  assert.ok(run.after, 'OS state read after the reboot');
  assert.equal([...run.after!.pending.security, ...run.after!.pending.other].map((p) => p.name), ['docker-ce'], 'nothing pending but Docker\'s update (left to a deliberate step)');
  assert.equal(run.after!.keptBack, ['containerd', 'odoo'], 'the held packages\' updates are kept back');
});

t('a window closing mid-way: the run stops before the next step and installs nothing more', async () => {
  await other(await buildDeb('odoops-tool', '1.2'));
  await security(await buildDeb('odoops-kernel', '1.2', { rebootRequired: true }));
  // A run that died between holding Docker's packages and releasing them left this behind.
  await onServer('apt-mark hold docker-ce >/dev/null && echo docker-ce > /var/lib/odoops/maintenance-holds');
  let closed = false;
  const run = await maintain('os', {
    now: () => (closed ? AFTER : INSIDE),
    onStep: (e) => {
      // The clock moves past the window's end while the package lists are refreshed.
      if (e.step === 'update-lists' && e.phase === 'end') closed = true;
    },
  });
  assert.is(run.result, 'window-closed');
  assert.is(run.stoppedBefore, 'upgrade');
  assert.is(run.reason?.code, 'window-closed');
  assert.equal(run.steps.map((s) => s.step), ['snapshot', 'hold', 'update-lists', 'release-holds', 'health-check']);
  assert.equal(await versions('odoops-tool', 'odoops-kernel'), { 'odoops-tool': '1.1', 'odoops-kernel': '1.1' }, 'nothing upgraded after the window closed');
  // The holds are put back even when the run stops early, and the dead run's hold is recognised as odoops' own.
  assert.equal([run.heldDuring, run.keptHeld, run.released], [['docker-ce'], ['containerd'], ['docker-ce']]);
  assert.is(await onServer('apt-mark showhold'), 'containerd\nodoo\n');
  assert.is((await readFile(path.join(root(), 'var/lib/odoops-sandbox/reboots'), 'utf8')).trim().split('\n').length, 1, 'no further reboot');
});

t('the CLI: --ignore-windows --kind os runs now, JSON out; the journal records the run', async () => {
  const cli = spawnSync(process.execPath, ['bin/odoops.mjs', 'maintain', '--repo', info!.repoDir, '--client', client, '--kind', 'os', '--ignore-windows', '--json', '--ssh-key', info!.privateKeyPath], {
    encoding: 'utf8', timeout: 600_000, cwd: path.resolve(import.meta.dirname, '../..'),
  });
  assert.is(cli.status, 0, cli.stderr + cli.stdout);
  const [run] = JSON.parse(cli.stdout) as MaintenanceRun[];
  assert.is(run!.result, 'done');
  assert.is(run!.windowIgnored, true);
  assert.equal(await versions('odoops-tool', 'odoops-kernel', 'odoo', 'docker-ce', 'containerd'), { 'odoops-tool': '1.2', 'odoops-kernel': '1.2', odoo: '17.0.20250101', 'docker-ce': '1.0', containerd: '1.0' });
  assert.is(await onServer('apt-mark showhold'), 'containerd\nodoo\n');
  assert.is((await readFile(path.join(root(), 'var/lib/odoops-sandbox/reboots'), 'utf8')).trim().split('\n').length, 2, 'rebooted again: 1.2 asked for it');
  const journal = (await readFile(path.join(root(), 'var/lib/odoops/journal.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { runId: string; step: string; outcome: string });
  const mine = journal.filter((e) => e.runId === run!.runId);
  assert.ok(mine.some((e) => e.step === 'maintain:upgrade' && e.outcome === 'ok'), 'each step is journaled');
  assert.equal(mine.filter((e) => e.step === 'maintain').map((e) => e.outcome), ['start', 'done']);
});

t('the machine itself was neither upgraded nor rebooted', async () => {
  assert.is(await sha('/var/lib/dpkg/status'), machineDpkg, 'the machine\'s dpkg database is byte for byte the same');
  assert.is.not(spawnSync('dpkg-query', ['-W', 'odoops-seclib', 'odoops-tool', 'odoops-kernel']).status, 0, 'no test package on the machine');
  assert.not.match(spawnSync('apt-mark', ['showhold'], { encoding: 'utf8' }).stdout, /docker-ce|containerd/, 'no hold on the machine');
  assert.is((await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim(), machineBootId, 'same boot');
  assert.ok((await stat('/var/lib/dpkg/status')).isFile());
  assert.equal((await readdir(path.join(root(), 'var/lib/odoops-sandbox'))), ['reboots']);
});

t.run();
