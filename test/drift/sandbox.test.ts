/**
 * Pending vs drift on the sandbox fleet through the real CLI, with the clock set by
 * ODOOPS_NOW: a normal apply on a Tuesday morning (test's window open, production's closed)
 * leaves production pending with its next window, not drifted; a hand edit of odoo.conf is
 * drift; both at once, on one instance too; `drift --report` opens, edits, closes and
 * reopens one issue on a fake GitLab configured in fleet.yaml operator.forge.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { FleetDriftStatus } from '../../operator/drift/types.ts';
import { sandboxExec } from '../../operator/sandbox/index.ts';
import { startFakeForge, type FakeForge } from '../forge/fake/index.ts';
import { commitAll, runOdoops, type CliRun } from '../util/cli.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';

const TUESDAY = '2026-12-01T10:00:00+01:00'; // test open (weekdays 08-18), production closed
const SUNDAY = '2026-12-06T02:30:00+01:00'; // production open (Sunday 02-05 Europe/Paris), test closed
const MONDAY_NIGHT = '2026-12-07T22:00:00+01:00'; // both closed
const NEXT_SUNDAY = '2026-12-06T01:00:00.000Z';

interface Ctx { info?: SandboxInfo; fake?: FakeForge }
const t = suite<Ctx>('drift: pending vs drift on the sandbox');


const commit = commitAll;
const odoops = runOdoops;

async function drift(info: SandboxInfo, now: string, extra: string[] = [], env: Record<string, string> = {}): Promise<{ run: CliRun; status: FleetDriftStatus }> {
  const run = await odoops(info, ['drift', '--repo', info.repoDir, '--client', 'acme', '--json', '--detailed-exitcode', ...extra], { ODOOPS_NOW: now, ...env });
  let status: FleetDriftStatus;
  try {
    status = JSON.parse(run.stdout) as FleetDriftStatus;
  } catch {
    throw new Error(`drift printed no JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
  return { run, status };
}

const inst = (s: FleetDriftStatus, name: string) => s.clients[0]!.instances.find((i) => i.instance === name)!;

async function confValue(info: SandboxInfo, instance: string, key: string): Promise<string> {
  const r = await sandboxExec(info, 'acme', ['sh', '-c', 'grep "^$1 *=" "/srv/odoo/$2/odoo.conf"', 'sh', key, instance]);
  return r.stdout.trim();
}

async function setConf(info: SandboxInfo, instance: string, line: string): Promise<void> {
  const key = line.split('=')[0]!.trim();
  const r = await sandboxExec(info, 'acme', ['sed', '-i', `s/^${key} *=.*/${line}/`, `/srv/odoo/${instance}/odoo.conf`]);
  assert.is(r.code, 0, r.stderr);
  assert.is(await confValue(info, instance, key), line);
}

t.before(async (ctx) => {
  ctx.info = await startSandbox(1);
  ctx.fake = await startFakeForge({ platform: 'gitlab' });
  // The drift issue lives on the (fake) forge named in fleet.yaml.
  const file = path.join(ctx.info.repoDir, 'fleet.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(['operator', 'forge'], doc.createNode({ kind: 'gitlab', url: ctx.fake.url, project: ctx.fake.project, token: 'env:ODOOPS_FORGE_TOKEN' }));
  writeFileSync(file, doc.toString());
  commit(ctx.info.repoDir, 'operator.forge: the fake GitLab');
});

t.after(async (ctx) => {
  await ctx.fake?.close();
  await stopSandbox(ctx.info);
});

t('after a normal apply with production\'s window closed, drift says pending with the next window, not drift', async ({ info }) => {
  const apply = await odoops(info!, ['apply', '--repo', info!.repoDir, '--client', 'acme', '--json'], { ODOOPS_NOW: TUESDAY });
  assert.is(apply.code, 0, apply.stdout + apply.stderr);
  const results = (JSON.parse(apply.stdout) as { clients: { instances: { instance: string; outcome: string }[] }[] }).clients;
  const outcomes = Object.fromEntries(results[0]!.instances.map((i) => [i.instance, i.outcome]));
  assert.is(outcomes.test, 'applied');
  assert.is.not(outcomes.production, 'applied');
  // What odoops recorded on the server: the revision and the state it left.
  const state = await sandboxExec(info!, 'acme', ['cat', '/var/lib/odoops/state.json']);
  const recorded = JSON.parse(state.stdout) as { instances: Record<string, { revision: string; applied?: { options: Record<string, string> } }> };
  assert.ok(recorded.instances.test?.applied, 'applied state recorded for test');
  assert.is(recorded.instances.production, undefined, 'production not applied');

  const { run, status } = await drift(info!, TUESDAY);
  assert.is(run.code, 0, `pending is not drift: ${run.stdout}${run.stderr}`);
  assert.is(status.drifted, false);
  assert.is(status.clients[0]!.state, 'pending');
  assert.is(inst(status, 'test').state, 'in-sync');
  const prod = inst(status, 'production');
  assert.is(prod.state, 'pending');
  assert.equal(prod.drift, []);
  assert.ok(prod.pending!.changes.length > 0);
  assert.is(prod.pending!.window.open, false);
  assert.is(prod.pending!.window.nextOpening, NEXT_SUNDAY);

  const text = await odoops(info!, ['drift', '--repo', info!.repoDir, '--client', 'acme'], { ODOOPS_NOW: TUESDAY });
  assert.match(text.stdout, /~ acme\/production: pending \(not applied by odoops yet\), \d+ changes; waits for its window \(closed; next opening/);
  assert.not.match(text.stdout, /drift:/);
  assert.match(text.stdout, /Summary: no drift, 1 client with pending changes, 0 in sync/);
});

t('a hand edit of odoo.conf is drift (exit 2), production stays pending; --report opens one issue', async ({ info, fake }) => {
  const applied = await confValue(info!, 'test', 'workers');
  await setConf(info!, 'test', 'workers = 7');
  const { run, status } = await drift(info!, TUESDAY, ['--report'], { ODOOPS_FORGE_TOKEN: fake!.botToken });
  assert.is(run.code, 2, run.stdout + run.stderr);
  assert.ok(status.drifted);
  const test = inst(status, 'test');
  assert.is(test.state, 'drift');
  assert.equal(test.drift.map((c) => [c.path, c.from, c.to]), [['options.workers', applied.split('=')[1]!.trim(), '7']]);
  assert.is(inst(status, 'production').state, 'pending');
  assert.match(run.stderr, /drift issue opened/);
  assert.is(fake!.issues.length, 1);
  const issue = fake!.issues[0]!;
  assert.is(issue.state, 'open');
  assert.match(issue.title, /1 client drifting/);
  assert.match(issue.body, /acme\/test\*\* \(last applied/);
  assert.match(issue.body, /\| `options\.workers` \| \d+ \| 7 \|/);
  assert.match(issue.body, /`acme\/production` \| .* \| waits for its window/);
  assert.not.ok(issue.body.includes(fake!.botToken), 'no token in the issue');

  // Again: the same issue, no new one.
  const again = await drift(info!, TUESDAY, ['--report'], { ODOOPS_FORGE_TOKEN: fake!.botToken });
  assert.is(again.run.code, 2);
  assert.match(again.run.stderr, /drift issue (updated|unchanged)/);
  assert.is(fake!.issues.length, 1);
  assert.is(fake!.issues[0]!.state, 'open');

  // Put the applied value back by hand: only pending remains, which alone closes the issue.
  await setConf(info!, 'test', applied);
  const clean = await drift(info!, TUESDAY, ['--report'], { ODOOPS_FORGE_TOKEN: fake!.botToken });
  assert.is(clean.run.code, 0, clean.run.stdout);
  assert.is(clean.status.clients[0]!.state, 'pending');
  assert.match(clean.run.stderr, /drift issue closed/);
  assert.is(fake!.issues.length, 1);
  assert.is(fake!.issues[0]!.state, 'closed');
  assert.match(fake!.issues[0]!.body, /Pending changes/);
});

t('both at once on one instance: a hand edit and a merged change waiting for Sunday', async ({ info, fake }) => {
  const sunday = await odoops(info!, ['apply', '--repo', info!.repoDir, '--client', 'acme', '--json'], { ODOOPS_NOW: SUNDAY });
  assert.is(sunday.code, 0, sunday.stdout + sunday.stderr);
  const outcomes = Object.fromEntries(((JSON.parse(sunday.stdout) as { clients: { instances: { instance: string; outcome: string }[] }[] }).clients)[0]!.instances.map((i) => [i.instance, i.outcome]));
  assert.is(outcomes.production, 'applied');
  const clean = await drift(info!, SUNDAY);
  assert.is(clean.run.code, 0, clean.run.stdout);
  assert.is(clean.status.clients[0]!.state, 'in-sync');

  // Merge a change for production (workers 3 -> 4) and edit another option by hand.
  const file = path.join(info!.repoDir, 'clients', 'acme.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const workers = Number(doc.getIn(['instances', 'production', 'options', 'workers']));
  doc.setIn(['instances', 'production', 'options', 'workers'], workers + 1);
  writeFileSync(file, doc.toString());
  commit(info!.repoDir, 'acme production: one more worker');
  const cpu = await confValue(info!, 'production', 'limit_time_cpu');
  assert.ok(cpu, 'limit_time_cpu is managed');
  await setConf(info!, 'production', 'limit_time_cpu = 999');

  const { run, status } = await drift(info!, MONDAY_NIGHT, ['--report'], { ODOOPS_FORGE_TOKEN: fake!.botToken });
  assert.is(run.code, 2, run.stdout + run.stderr);
  const prod = inst(status, 'production');
  assert.is(prod.state, 'drift+pending');
  assert.equal(prod.drift.map((c) => [c.path, c.to]), [['options.limit_time_cpu', '999']]);
  assert.equal(prod.pending!.changes.map((c) => [c.path, c.from, c.to]), [['options.workers', String(workers), String(workers + 1)]]);
  assert.is(prod.pending!.window.nextOpening, '2026-12-13T01:00:00.000Z');
  assert.is(inst(status, 'test').state, 'in-sync');
  // The closed issue is reopened, not duplicated.
  assert.match(run.stderr, /drift issue reopened/);
  assert.is(fake!.issues.length, 1);
  assert.is(fake!.issues[0]!.state, 'open');
  assert.match(fake!.issues[0]!.body, /`options\.limit_time_cpu` \| \d+ \| 999 \|/);
});

t.run();
