/**
 * The fleet view for real (issue 9 items 6 and 7): two sandbox servers with their own Debian
 * root — one with a pending security update (a package the test built with dpkg-deb) and a
 * reboot required, the other maintained by odoops just before (its run in the journal) —,
 * `odoops status --json`, then the real `odoops serve` process, its page at / opened in
 * Debian's chromium-headless-shell driven by playwright-core on a phone-sized viewport: rows,
 * the client page (desired vs live, pending packages, recent runs), the self-refresh.
 * Screenshots are kept under test-artifacts/ (paths printed).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { loadDesiredState } from '../../operator/desired/load.ts';
import { maintainClient } from '../../operator/maintain/run.ts';
import { APT_REPO_DIR, sandboxDown, sandboxExec, sandboxUp } from '../../operator/sandbox/index.ts';
import { BACKUP_NOT_INSTALLED } from '../../operator/status/backups.ts';
import type { FleetStatus } from '../../operator/status/types.ts';
import type { SandboxInfo } from '../util/sandbox.ts';
import { parseDocument } from 'yaml';
import { readFileSync, writeFileSync } from 'node:fs';
import { startFakeForge, type FakeForge } from '../forge/fake/index.ts';
import { commitAll } from '../util/cli.ts';

const t = suite('status: odoops status and the page of odoops serve, in a real browser');
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'bin/odoops.mjs');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
/** Debian's chromium-headless-shell (npm run setup installs it). */
const BROWSERS = ['/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium-headless-shell'];

let info: SandboxInfo | undefined;
let work = '';
let sick = '';
let maintained = '';
let serve: ChildProcess | undefined;
let browser: Browser | undefined;
let url = '';
let forge: FakeForge | undefined;

async function onServer(client: string, script: string): Promise<string> {
  const r = await sandboxExec(info!, client, ['sh', '-c', script], { timeoutMs: 300_000 });
  assert.is(r.code, 0, `${script}: ${r.stderr}`);
  return r.stdout;
}

async function buildDeb(name: string, version: string): Promise<string> {
  const dir = path.join(work, `${name}-${version}`);
  await mkdir(path.join(dir, 'DEBIAN'), { recursive: true });
  await writeFile(path.join(dir, 'DEBIAN/control'), [`Package: ${name}`, `Version: ${version}`, 'Architecture: all', 'Maintainer: odoops tests <tests@odoops.invalid>', 'Description: built by the status test', ''].join('\n'));
  const deb = path.join(work, `${name}_${version}_all.deb`);
  const r = spawnSync('dpkg-deb', ['--root-owner-group', '-b', dir, deb], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return deb;
}

/** The server's local repository as a security archive (Origin Debian, Label Debian-Security). */
async function publish(client: string, ...debs: string[]): Promise<void> {
  const dir = path.join(info!.servers.find((s) => s.client === client)!.rootfs!, APT_REPO_DIR);
  for (const deb of debs) spawnSync('cp', [deb, dir]);
  const scan = spawnSync('dpkg-scanpackages', ['--multiversion', '.'], { cwd: dir, encoding: 'utf8' });
  assert.is(scan.status, 0, scan.stderr);
  await writeFile(path.join(dir, 'Packages'), scan.stdout);
  const p = Buffer.from(scan.stdout);
  await writeFile(path.join(dir, 'Release'), ['Origin: Debian', 'Label: Debian-Security', 'Suite: bookworm-security', 'Codename: bookworm-security', 'Version: 12', 'Architectures: all amd64',
    'SHA256:', ` ${createHash('sha256').update(p).digest('hex')} ${p.length} Packages`, ''].join('\n'));
}

t.before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'odoops-status-'));
  info = await sandboxUp({ clients: 2, dir: await mkdtemp(path.join(os.tmpdir(), 'odoops-sandbox-')), rootfs: true });
  [sick, maintained] = info.servers.map((s) => s.client) as [string, string];
  // One server with a security update pending and a reboot required...
  await publish(sick, await buildDeb('odoops-seclib', '1.0'));
  await onServer(sick, 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q odoops-seclib >/dev/null');
  await publish(sick, await buildDeb('odoops-seclib', '1.1'));
  await onServer(sick, 'apt-get update -q >/dev/null && touch /var/run/reboot-required && echo odoops-seclib > /var/run/reboot-required.pkgs');
  // ...the other maintained by odoops just now (a run in its journal).
  const desired = await loadDesiredState({ repo: info.repoDir });
  const run = await maintainClient(desired.clients.find((c) => c.name === maintained)!, { kind: 'security', ignoreWindows: true, ssh: { privateKeyPath: info.privateKeyPath } });
  assert.is(run.result, 'done', JSON.stringify(run.reason ?? run.steps));
});

t.after(async () => {
  await browser?.close().catch(() => undefined);
  if (serve && serve.exitCode === null) {
    serve.kill('SIGTERM');
    await new Promise((r) => serve!.once('exit', r));
  }
  if (info) await sandboxDown({ dir: info.dir });
  await forge?.close();
  await rm(work, { recursive: true, force: true });
});

t('odoops status --json: one row per client with OS, instances, pending updates, reboot, windows, runs, backups (not installed here), monitoring (NRPE missing here)', async () => {
  const r = spawnSync(process.execPath, [BIN, 'status', '--repo', info!.repoDir, '--json', '--ssh-key', info!.privateKeyPath], { encoding: 'utf8', timeout: 300_000 });
  assert.is(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as FleetStatus;
  assert.equal(s.clients.map((c) => c.client), info!.servers.map((x) => x.client));
  const a = s.clients.find((c) => c.client === sick)!;
  const b = s.clients.find((c) => c.client === maintained)!;
  assert.is(a.os.live, 'debian-12');
  assert.is(a.rebootRequired, true);
  assert.equal(a.updates && { security: a.updates.security, other: a.updates.other }, { security: 1, other: 0 });
  assert.equal(a.updates!.packages.security.map((p) => `${p.name} ${p.from} ${p.to}`), ['odoops-seclib 1.0 1.1']);
  assert.is(b.rebootRequired, false);
  assert.equal(b.recentRuns.map((x) => `${x.kind} ${x.revision} ${x.result}`), ['maintenance maintenance-security done']);
  for (const c of s.clients) {
    assert.equal(c.instances.map((i) => i.name).sort(), ['production', 'test']);
    assert.ok(c.instances.every((i) => i.desired.image && i.desired.series), 'desired image and series');
    assert.equal(c.windows.map((w) => w.kind), ['security', 'os']);
    // These servers have neither the backup program nor NRPE's configuration installed: each column says so.
    assert.ok(c.backups.length > 0, 'the examples declare backup destinations');
    assert.equal(c.backups.map((x) => x.state === 'unknown' && x.reason), c.backups.map(() => BACKUP_NOT_INSTALLED));
    assert.is(c.monitoring.state, 'drifted', JSON.stringify(c.monitoring));
    assert.match(c.monitoring.state === 'drifted' ? c.monitoring.detail : '', /NRPE configuration differs from the inventory: \S+ \(missing\)/);
  }
  const text = spawnSync(process.execPath, [BIN, 'status', '--repo', info!.repoDir, '--client', sick, '--ssh-key', info!.privateKeyPath], { encoding: 'utf8', timeout: 300_000 });
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stdout, /reboot +reboot required/);
  assert.match(text.stdout, /updates +1 security, 0 other/);
});

t('odoops serve: the page at / in chromium-headless-shell on a phone, the client page, escaped, refreshing itself', async () => {
  const stateDir = await mkdtemp(path.join(work, 'state-'));
  // odoops serve answers a forge's webhooks: a local fake GitLab, named by the config repo.
  forge = await startFakeForge({ platform: 'gitlab' });
  const fleetFile = path.join(info!.repoDir, 'fleet.yaml');
  const doc = parseDocument(readFileSync(fleetFile, 'utf8'));
  doc.setIn(['operator', 'forge'], doc.createNode({ kind: 'gitlab', url: forge.url, project: forge.project, token: 'env:STATUS_TEST_FORGE_TOKEN', webhookSecret: 'env:ODOOPS_WEBHOOK_SECRET' }));
  writeFileSync(fleetFile, doc.toString({ lineWidth: 0 }));
  commitAll(info!.repoDir, 'forge: the local fake GitLab');
  serve = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--repo', info!.repoDir, '--state-dir', stateDir, '--ssh-key', info!.privateKeyPath, '--interval', '3600'], {
    env: { ...process.env, ODOOPS_WEBHOOK_SECRET: 'status-test-secret', STATUS_TEST_FORGE_TOKEN: forge.botToken }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  serve.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    serve!.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /odoops serve listening on (http:\/\/[^"\s]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    serve!.once('exit', (code) => reject(new Error(`odoops serve exited ${code}: ${log}${out}`)));
  });
  // Ready once the config repo has been read (the page needs the desired state).
  for (let i = 0; ; i++) {
    const h = await fetch(`${url}/healthz`).then((r) => r.status).catch(() => 0);
    if (h === 200) break;
    assert.ok(i < 600, 'odoops serve became ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  const executablePath = BROWSERS.find((p) => existsSync(p));
  assert.ok(executablePath, `chromium-headless-shell is installed (npm run setup): ${BROWSERS.join(', ')}`);
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  const res = await page.goto(`${url}/`, { timeout: 300_000 });
  assert.is(res?.status(), 200);
  assert.is(await page.locator('meta[http-equiv="refresh"]').getAttribute('content'), '60');
  assert.is(await page.locator('tr.client').count(), 2);
  const row = page.locator(`tr.client[data-client="${sick}"]`);
  assert.match(await row.innerText(), /reboot required/);
  assert.match(await row.innerText(), /1 security, 0 other/);
  assert.match(await row.innerText(), /debian-12/);
  assert.match(await row.locator('td[data-label="monitoring"]').innerText(), /NRPE DRIFTED \(\d+ checks?\)/);
  assert.match(await row.locator('td[data-label="backups"]').innerText(), /: unknown/);
  // Readable on a phone: the table became cards, nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px too wide)`);
  await mkdir(ARTIFACTS, { recursive: true });
  const fleetShot = path.join(ARTIFACTS, 'status-fleet.png');
  await page.screenshot({ path: fleetShot, fullPage: true });

  await page.click(`a[href="/client?name=${maintained}"]`);
  await page.waitForURL(/\/client\?name=/);
  assert.is(await page.locator('h1').innerText(), maintained);
  assert.is(await page.locator('table.instance').count(), 2, 'desired vs live per instance');
  const desiredImage = (await loadDesiredState({ repo: info!.repoDir })).clients.find((c) => c.name === maintained)!.instances.find((i) => i.name === 'production')!.image;
  const production = await page.locator('table.instance[data-instance="production"]').innerText();
  assert.ok(desiredImage && production.includes(desiredImage), `desired image ${desiredImage} in: ${production}`);
  assert.match(production, /running\s+yes\s+not deployed/, 'live: nothing deployed on this server');
  assert.match(await page.locator('table.runs').innerText(), /maintenance[\s\S]*maintenance-security[\s\S]*done/);
  assert.match(await page.locator('table.summary').innerText(), /not installed/, 'why the backups are unknown');
  assert.match(await page.locator('table.summary').innerText(), /NRPE configuration differs from the inventory/);
  const clientShot = path.join(ARTIFACTS, 'status-client.png');
  await page.screenshot({ path: clientShot, fullPage: true });

  await page.goto(`${url}/client?name=${sick}`);
  assert.match(await page.locator('ul.packages').innerText(), /odoops-seclib 1\.0 → 1\.1 security/);
  // A name that is markup comes back as text.
  const missing = await page.goto(`${url}/client?name=${encodeURIComponent('<b id=x>bold</b>')}`);
  assert.is(missing?.status(), 404);
  assert.is(await page.locator('#x').count(), 0);
  assert.match(await page.locator('body').innerText(), /no client named "<b id=x>bold<\/b>"/);
  const json = await fetch(`${url}/status.json`).then((r) => r.json()) as FleetStatus;
  assert.equal(json.clients.map((c) => c.client), info!.servers.map((x) => x.client));
  process.stdout.write(`\n  screenshots: ${fleetShot} ${clientShot}\n`);
});

t.run();
