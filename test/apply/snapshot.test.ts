/**
 * The pre-change snapshot and the rollback, on a real sandbox server (issue 7, items 1, 2, 4,
 * 6 and 8): what a failing change may and may not do to a client's database.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { reconcile, type ClientOutcome, type ReconcileOptions } from '../../operator/reconcile/index.ts';
import type { InstanceSpec } from '../../operator/desired/types.ts';
import { sandboxFault } from '../../operator/sandbox/index.ts';
import { connectSsh } from '../../operator/live/ssh.ts';
import { resolveMarker } from '../../operator/apply/marker.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';
import { clientSpec, instanceSpec, ssh } from './fixture.ts';
import { databases, ddlLoop, modes, onServer, sql } from './server.ts';

const test = suite('pre-change snapshot and rollback');
let info: SandboxInfo;
let desired: { test: InstanceSpec; production: InstanceSpec };
let rev = 0;

test.before(async () => {
  info = await startSandbox(1);
  desired = { test: instanceSpec(info, 'test'), production: instanceSpec(info, 'production') };
});
test.after(async () => {
  await stopSandbox(info);
});

const client = () => info.servers[0]!.client;
const spec = () => clientSpec(info, [desired.test, desired.production]);
const apply = (opts: Partial<ReconcileOptions> = {}): Promise<ClientOutcome> =>
  reconcile(spec(), `rev${++rev}`, { mode: 'apply', healthTimeoutMs: 10_000, ...opts, ssh: { ...ssh(info), ...(opts.ssh ?? {}) } });
const outcome = (r: ClientOutcome, instance: string) => r.apply?.instances.find((i) => i.instance === instance);
const health = (port: number) => onServer(info, `curl -fsS http://127.0.0.1:${port}/web/health`);
/** A read-back failure injected at the health check: the change fails after it has been made. */
const breakReadBack = (instance: string) => onServer(info, `sed -i 's/^workers = .*/workers = 9/' /srv/odoo/${instance}/odoo.conf`);
const installed = async (db: string, module: string) => (await sql(info, db, `SELECT state FROM ir_module_module WHERE name = '${module}'`)) === 'installed';

test('first apply converges; /var/lib/odoops and the snapshots are private to root (0700 dirs, 0600 files)', async () => {
  const r = await apply();
  assert.equal(r.apply?.instances.map((i) => `${i.instance}:${i.outcome}`), ['test:applied', 'production:applied'], JSON.stringify(r.apply, null, 1));
  for (const db of ['acme_test', 'acme_prod']) await sql(info, db, "CREATE TABLE canary (note text); INSERT INTO canary VALUES ('before');");
  const m = await modes(info, '/var/lib/odoops /var/lib/odoops/snapshots /var/lib/odoops/snapshots/* /var/lib/odoops/snapshots/*/* /var/lib/odoops/snapshots/*/*/* /var/lib/odoops/journal.log /var/lib/odoops/state.json');
  const dirs = [...m].filter(([p]) => !/\/[^/]*\.[a-z]+$|\/(complete|env|odoo\.conf|addons\.txt|db\.dump|journal\.log|state\.json|snapshot\.json)$/.test(p));
  const files = [...m].filter(([p]) => !dirs.some(([d]) => d === p));
  assert.ok(files.some(([p]) => p.endsWith('/db.dump')), [...m.keys()].join('\n'));
  for (const [p, mode] of dirs) assert.is(mode, '700', p);
  for (const [p, mode] of files) assert.is(mode, '600', p);
});

test('a create/drop-table loop in production during the snapshot: the database and its canary survive a failing change', async () => {
  desired.production.modules = [...desired.production.modules, 'crm'];
  // DDL runs while the snapshot is taken (a burst, as a module's cron would make), then stops.
  const loop = await ddlLoop(info, 'acme_prod');
  let r: ClientOutcome;
  try {
    r = await apply({
      onProgress: async (e) => {
        if (e.instance !== 'production' || e.status !== 'start') return;
        if (e.step !== 'snapshot') await loop.stop();
        if (e.step === 'health-check') await breakReadBack('production');
      },
    });
  } finally {
    await loop.stop();
  }
  const prod = outcome(r, 'production')!;
  assert.ok(prod.outcome === 'rolled-back' || prod.outcome === 'failed', JSON.stringify(prod, null, 1));
  assert.ok((await databases(info)).includes('acme_prod'), `acme_prod still exists (${prod.detail})`);
  assert.is(await sql(info, 'acme_prod', 'SELECT note FROM canary'), 'before');
  assert.not.ok(await installed('acme_prod', 'crm'), `the change is undone or was never made (${prod.detail})`);
  assert.match(await health(8069), /pass/);
  // Whichever way it went (snapshot refused after its retries, or restored), the report says so.
  if (prod.outcome === 'failed') assert.match(prod.detail ?? '', /snapshot failed.*nothing was changed/s, prod.detail);
  desired.production.modules = desired.production.modules.filter((m) => m !== 'crm');
});

test('a config-only failure never touches the database: a write made after the snapshot survives the rollback', async () => {
  const conf = await onServer(info, 'cat /srv/odoo/production/odoo.conf');
  desired.production.options = { ...desired.production.options, workers: 5 };
  const r = await apply({
    onProgress: async (e) => {
      if (e.instance === 'production' && e.step === 'health-check' && e.status === 'start') {
        await sql(info, 'acme_prod', "INSERT INTO canary VALUES ('written after the snapshot')");
        await breakReadBack('production');
      }
    },
  });
  const prod = outcome(r, 'production')!;
  assert.is(prod.outcome, 'rolled-back', JSON.stringify(prod, null, 1));
  assert.is(await sql(info, 'acme_prod', 'SELECT note FROM canary ORDER BY note'), 'before\nwritten after the snapshot');
  assert.is(await onServer(info, 'cat /srv/odoo/production/odoo.conf'), conf, 'odoo.conf restored');
  assert.match(await health(8069), /pass/);
  desired.production.options = { ...desired.production.options, workers: 2 };
});

test('a change that may restore the database stops Odoo before the dump: no write is lost between dump and change', async () => {
  desired.test.modules = [...desired.test.modules, 'crm'];
  let servingAfterSnapshot: boolean | null = null;
  const r = await apply({
    onProgress: async (e) => {
      // The first step after the snapshot: Odoo must already be stopped (nothing can write).
      if (e.instance === 'test' && e.status === 'start' && servingAfterSnapshot === null && e.step !== 'snapshot') {
        servingAfterSnapshot = (await onServer(info, 'curl -fsS http://127.0.0.1:8070/web/health >/dev/null 2>&1 && echo up || echo down')).trim() === 'up';
      }
    },
  });
  assert.is(outcome(r, 'test')?.outcome, 'applied', JSON.stringify(r.apply, null, 1));
  assert.is(servingAfterSnapshot, false, 'odoo was stopped before the dump');
  assert.ok(await installed('acme_test', 'crm'));
  assert.match(await health(8070), /pass/);
});

test('retention keeps the newest verified snapshots and removes incomplete ones', async () => {
  const dir = '/var/lib/odoops/snapshots/test';
  // A killed run's leftover (no "complete") newer than everything, and old verified ones.
  await onServer(info, `umask 077; mkdir -p ${dir}/29991231T000000Z-killed && : > ${dir}/29991231T000000Z-killed/db.dump.part
    for s in 20000101T000000Z-a 20000102T000000Z-b 20000103T000000Z-c 20000104T000000Z-d; do mkdir -p ${dir}/$s && : > ${dir}/$s/complete; done`);
  const before = (await onServer(info, `ls ${dir}`)).trim().split('\n');
  desired.test.options = { ...desired.test.options, workers: 3 };
  const r = await apply();
  assert.is(outcome(r, 'test')?.outcome, 'applied', JSON.stringify(r.apply, null, 1));
  const after = (await onServer(info, `ls ${dir}`)).trim().split('\n');
  assert.not.ok(after.includes('29991231T000000Z-killed'), 'incomplete snapshot removed');
  assert.is(after.length, 3, after.join(' '));
  const complete = (await onServer(info, `for d in ${dir}/*; do [ -f "$d/complete" ] && basename "$d"; done; true`)).trim().split('\n');
  assert.equal(after, complete, 'only verified snapshots are kept');
  const newest = [...new Set([...before, ...after])].filter((n) => n !== '29991231T000000Z-killed').sort().reverse().slice(0, 3);
  assert.equal([...after].sort().reverse(), newest, 'the three newest complete ones');
  assert.not.ok(after.includes('20000101T000000Z-a'));
});

test('a failed rollback leaves a needs-manual-restore marker: apply and plan show it blocked with the snapshot, until resolved', async () => {
  desired.test.modules = [...desired.test.modules, 'project'];
  const r = await apply({
    onProgress: async (e) => {
      if (e.instance !== 'test' || e.status !== 'start') return;
      if (e.step === 'health-check') await breakReadBack('test');
      if (e.step === 'rollback') await sandboxFault({ dir: info.dir, client: client(), fault: 'db-stop' });
    },
  });
  await sandboxFault({ dir: info.dir, client: client(), fault: 'db-start' });
  const t = outcome(r, 'test')!;
  assert.is(t.outcome, 'failed', JSON.stringify(t, null, 1));
  assert.match(t.detail ?? '', /ROLLBACK FAILED/);
  const snapshot = /\/var\/lib\/odoops\/snapshots\/test\/\S+/.exec(t.detail ?? '')?.[0];
  assert.ok(snapshot, t.detail);
  assert.ok(outcome(r, 'production')?.outcome !== 'applied', 'production not touched');

  // Blocked, with the snapshot's path, for plan and apply alike; nothing runs.
  const journal = await onServer(info, 'wc -l < /var/lib/odoops/journal.log');
  const planned = await reconcile(spec(), `rev${rev}`, { mode: 'plan', ssh: ssh(info) });
  const ip = planned.plan.instances.find((i) => i.instance === 'test')!;
  assert.is(ip.blocked?.code, 'needs-manual-restore');
  assert.ok(ip.blocked?.message.includes(snapshot!.replace(/[.;,]$/, '')), ip.blocked?.message);
  const again = await apply();
  assert.is(outcome(again, 'test')?.outcome, 'blocked');
  assert.is(outcome(again, 'test')?.reason?.code, 'needs-manual-restore');
  assert.is(await onServer(info, 'wc -l < /var/lib/odoops/journal.log'), journal, 'a blocked apply writes nothing');

  // A person restored (here: the database was fine); `odoops resolve` clears the marker.
  const session = await connectSsh(client(), spec().server, ssh(info));
  try {
    const res = await resolveMarker(session, client(), 'test', { runId: 'resolver' });
    assert.is(res.cleared, true);
  } finally {
    await session.close();
  }
  const fixed = await apply();
  assert.is(outcome(fixed, 'test')?.outcome, 'applied', JSON.stringify(fixed.apply, null, 1));
  assert.ok(await installed('acme_test', 'project'));
});

test.run();
