// Pending vs drift on plain data: desired (ClientSpec), live (LiveState with the applied state
// the server records) and the plan made from them, as the drift command builds them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appliedStateOf, secretMark, secretMarks } from '../../operator/drift/applied-state.ts';
import { classifyClient, driftStatusExitCode, fleetDriftStatus, type ClientObservation } from '../../operator/drift/classify.ts';
import type { ClientSpec, InstanceSpec } from '../../operator/desired/types.ts';
import { SECRET_DIFFERS, SECRET_MATCHES, type LiveInstance, type LiveState } from '../../operator/live/types.ts';
import { planClient } from '../../operator/plan/plan.ts';
import { renderDriftIssue } from '../../operator/report/drift-issue.ts';
import { renderDriftStatusText } from '../../operator/report/drift-status.ts';
import { clientSpec, instanceSpec, liveState, NOW, REV, SHA_V1, SHA_V2, SUNDAY_WINDOW } from '../plan/fixtures.ts';

const REV2 = 'feedfacefeedfacefeedfacefeedfacefeedface';

/** A live state where odoops applied `applied` specs at REV, then `tweak` bends the server. */
function appliedLive(spec: ClientSpec, applied: ClientSpec, tweak: (i: Record<string, LiveInstance>) => void = () => {}, marks: Record<string, Record<string, string>> = {}): LiveState {
  const live = liveState(applied, (instances) => {
    for (const inst of applied.instances) {
      instances[inst.name]!.lastApplied = { revision: REV, at: '2026-11-01T00:00:00Z', applied: appliedStateOf(inst, { 'integrator-addons': SHA_V1 }, marks[inst.name]) };
    }
  });
  if (live.reachable) {
    // The desired refs resolve as the probe would say today.
    for (const inst of spec.instances) {
      const li = live.instances[inst.name];
      if (li) for (const a of inst.addons) li.addons[a.name] = { ...(li.addons[a.name] ?? { url: a.url, commit: null }), desiredCommit: li.addons[a.name]?.desiredCommit ?? SHA_V1 };
    }
    tweak(live.instances);
  }
  return live;
}

function observe(spec: ClientSpec, live: LiveState, revision = REV2, now = NOW, marks: Record<string, Record<string, string>> = {}): ClientObservation {
  return { spec, live, plan: planClient(spec, live, { revision, now }), secretMarks: marks };
}

const withWindows = (spec: ClientSpec): ClientSpec => ({ ...spec, instances: spec.instances.map((i) => (i.name === 'production' ? { ...i, windows: [SUNDAY_WINDOW] } : i)) });

test('nothing changed since odoops applied: in sync', () => {
  const spec = clientSpec();
  const s = classifyClient(observe(spec, appliedLive(spec, spec)));
  assert.is(s.state, 'in-sync');
  assert.ok(s.instances.every((i) => i.state === 'in-sync' && i.drift.length === 0 && i.pending === null));
});

test('desired moved on, window closed: pending with the next opening, not drift', () => {
  const before = withWindows(clientSpec());
  const after: ClientSpec = { ...before, instances: before.instances.map((i) => (i.name === 'production' ? { ...i, options: { ...i.options, workers: 4 } } : i)) };
  const s = classifyClient(observe(after, appliedLive(after, before)));
  assert.is(s.state, 'pending');
  const prod = s.instances.find((i) => i.instance === 'production')!;
  assert.is(prod.state, 'pending');
  assert.equal(prod.drift, []);
  assert.equal(prod.pending!.changes.map((c) => c.path), ['options.workers']);
  assert.is(prod.pending!.window.open, false);
  assert.is(prod.pending!.window.nextOpening, '2026-11-29T01:00:00.000Z', 'Sunday 02:00 Paris');
  const status = fleetDriftStatus([observe(after, appliedLive(after, before))], REV2, NOW);
  assert.is(status.drifted, false);
  assert.is(driftStatusExitCode(status), 0, 'pending alone is not a drift exit');
  assert.match(renderDriftStatusText(status), /acme\/production: pending, 1 change; waits for its window \(closed; next opening/);
  const issue = renderDriftIssue(status);
  assert.is(issue.open, false, 'pending alone does not open the drift issue');
  assert.match(issue.body, /Pending changes/);
});

test('a hand edit on the server is drift: applied value vs what the server has now', () => {
  const spec = clientSpec();
  const live = appliedLive(spec, spec, (i) => {
    i.test!.options.workers = '7';
  });
  const s = classifyClient(observe(spec, live));
  assert.is(s.state, 'drift');
  const t = s.instances.find((i) => i.instance === 'test')!;
  assert.is(t.state, 'drift');
  assert.equal(t.drift.map((c) => [c.path, c.from, c.to]), [['options.workers', '2', '7']]);
  assert.is(t.pending, null);
  const status = fleetDriftStatus([observe(spec, live)], REV2, NOW);
  assert.is(driftStatusExitCode(status), 2);
  assert.ok(status.drifted);
  const issue = renderDriftIssue(status);
  assert.ok(issue.open);
  assert.match(issue.body, /\| `options\.workers` \| 2 \| 7 \|/);
});

test('both at once on one instance: hand edit and a pending change are told apart', () => {
  const before = withWindows(clientSpec());
  const after: ClientSpec = { ...before, instances: before.instances.map((i) => (i.name === 'production' ? { ...i, options: { ...i.options, workers: 4 } } : i)) };
  const live = appliedLive(after, before, (i) => {
    i.production!.options.limit_memory_hard = '999';
    i.production!.modules.crm = { state: 'installed', installedVersion: '17.0.1.0', manifestVersion: null };
    i.production!.modules.integrator_base = { state: 'uninstalled', installedVersion: null, manifestVersion: '17.0.1.0' };
  });
  const prod = classifyClient(observe(after, live)).instances.find((i) => i.instance === 'production')!;
  assert.is(prod.state, 'drift+pending');
  assert.equal(prod.drift.map((c) => c.path), ['options.limit_memory_hard', 'modules.integrator_base.state']);
  assert.equal(prod.pending!.changes.map((c) => [c.path, c.from, c.to]), [['options.workers', '2', '4']]);
});

test('never applied by odoops: differences are pending (first apply), not drift', () => {
  const spec = withWindows(clientSpec());
  const live = liveState(spec, (i) => {
    i.production!.lastApplied = null;
    i.production!.modules.integrator_base = { state: 'uninstalled', installedVersion: null, manifestVersion: '17.0.1.0' };
  });
  const prod = classifyClient(observe(spec, live)).instances.find((i) => i.instance === 'production')!;
  assert.is(prod.state, 'pending');
  assert.ok(prod.pending!.neverApplied);
});

test('a record without applied state (older odoops): drift only at the same revision', () => {
  const spec = clientSpec();
  const live = liveState(spec, (i) => {
    i.test!.options.workers = '9';
  });
  assert.is(classifyClient(observe(spec, live, REV)).instances.find((i) => i.instance === 'test')!.state, 'drift');
  assert.is(classifyClient(observe(spec, live, REV2)).instances.find((i) => i.instance === 'test')!.state, 'pending');
});

test('differences the record cannot see (image gone, odoo stopped) with nothing pending: drift', () => {
  const spec = clientSpec();
  const live = appliedLive(spec, spec, (i) => {
    i.test!.running = false;
  });
  const t = classifyClient(observe(spec, live)).instances.find((i) => i.instance === 'test')!;
  assert.is(t.state, 'drift');
  assert.equal(t.drift.map((c) => c.path), ['running']);
});

test('an addons checkout moved by hand is drift; a moved branch is pending', () => {
  const spec = clientSpec();
  const moved = appliedLive(spec, spec, (i) => {
    i.test!.addons['integrator-addons']!.commit = SHA_V2;
  });
  const t = classifyClient(observe(spec, moved)).instances.find((i) => i.instance === 'test')!;
  assert.is(t.state, 'drift');
  assert.equal(t.drift.map((c) => [c.path, c.from, c.to]), [['addons.integrator-addons.commit', SHA_V1, SHA_V2]]);
  const branch = appliedLive(spec, spec, (i) => {
    i.test!.addons['integrator-addons']!.desiredCommit = SHA_V2;
  });
  assert.is(classifyClient(observe(spec, branch)).instances.find((i) => i.instance === 'test')!.state, 'pending');
});

test('secret options: rotation pending vs changed on the server; the digest never shows', () => {
  const withSecret = (spec: ClientSpec): ClientSpec => ({ ...spec, instances: spec.instances.map((i): InstanceSpec => ({ ...i, options: { ...i.options, admin_passwd: { secret: 'env:ADMIN' } } })) });
  const spec = withSecret(clientSpec());
  const old = { production: secretMarks({ admin_passwd: 'old' }), test: secretMarks({ admin_passwd: 'old' }) };
  const rotated = { production: secretMarks({ admin_passwd: 'new' }), test: secretMarks({ admin_passwd: 'new' }) };
  // The server holds the applied value; the desired value changed: pending.
  const live = appliedLive(spec, spec, (i) => {
    i.test!.options.admin_passwd = SECRET_DIFFERS;
    i.production!.options.admin_passwd = SECRET_DIFFERS;
  }, old);
  const s = classifyClient(observe(spec, live, REV2, NOW, rotated));
  assert.is(s.instances.find((i) => i.instance === 'test')!.state, 'pending');
  // Same desired value as applied, server differs: drift, shown without any digest.
  const edited = appliedLive(spec, spec, (i) => {
    i.test!.options.admin_passwd = SECRET_DIFFERS;
    i.production!.options.admin_passwd = SECRET_MATCHES;
  }, old);
  const s2 = classifyClient(observe(spec, edited, REV2, NOW, old));
  const t = s2.instances.find((i) => i.instance === 'test')!;
  assert.is(t.state, 'drift');
  assert.equal(t.drift.map((c) => [c.path, c.from, c.to]), [['options.admin_passwd', '(secret)', SECRET_DIFFERS]]);
  assert.is(s2.instances.find((i) => i.instance === 'production')!.state, 'in-sync');
  const text = JSON.stringify(fleetDriftStatus([observe(spec, edited, REV2, NOW, old)], REV2, NOW));
  assert.not.ok(text.includes(secretMark('old').slice(7)), 'no digest in the report');
});

test('a failed rollback marker needs a person; an unreachable server is listed apart (exit 1)', () => {
  const spec = clientSpec();
  const live = appliedLive(spec, spec, (i) => {
    i.production!.marker = { code: 'needs-manual-restore', reason: 'rollback failed', snapshot: '/var/lib/odoops/snapshots/x' };
  });
  const s = classifyClient(observe(spec, live));
  assert.is(s.state, 'attention');
  assert.is(s.instances.find((i) => i.instance === 'production')!.attention!.code, 'needs-manual-restore');
  const down: LiveState = { client: 'boreal', reachable: false, code: 'unreachable', reason: 'connect ETIMEDOUT' };
  const boreal = clientSpec('boreal');
  const status = fleetDriftStatus([observe(spec, live), observe(boreal, down)], REV2, NOW);
  assert.equal(status.counts, { clients: 2, inSync: 0, drifting: 0, pending: 0, attention: 1, unreachable: 1 });
  assert.is(driftStatusExitCode(status), 1);
  const issue = renderDriftIssue(status);
  assert.ok(issue.open);
  assert.match(issue.body, /#### Needs a person[\s\S]*acme\/production` \(needs-manual-restore\)/);
  assert.match(issue.body, /#### Unreachable[\s\S]*`boreal` \(unreachable\): connect ETIMEDOUT/);
});

test('managed files that differ from their rendering are drift; units that cannot be checked need a person', () => {
  const spec = clientSpec();
  const live = appliedLive(spec, spec);
  const plan = planClient(spec, live, { revision: REV2, now: NOW });
  const file = { path: '/etc/nagios/nrpe.cfg', change: 'update' as const, differs: ['content' as const], from: { mode: 0o644, owner: 'root:root' }, to: { mode: 0o644, owner: 'root:root' }, diff: '-a\n+b', secret: false };
  plan.managed = { target: 'acme', drift: [{ unit: 'nrpe', target: 'acme', safe: true, files: [file] }], actions: [], refused: [] };
  const s = classifyClient({ spec, live, plan });
  assert.is(s.state, 'drift');
  assert.equal(s.managed!.map((c) => c.path), ['managed.nrpe:/etc/nagios/nrpe.cfg']);
  assert.match(renderDriftStatusText(fleetDriftStatus([{ spec, live, plan }], REV2, NOW)), /acme \(managed files\): drift: 1 file differ/);
  plan.managed = { target: 'acme', drift: [], actions: [], refused: [{ unit: 'baseline/sshd', reason: { code: 'render-refused', message: 'sshd: no key' } }] };
  const a = classifyClient({ spec, live, plan });
  assert.is(a.state, 'attention');
  assert.match(renderDriftIssue(fleetDriftStatus([{ spec, live, plan }], REV2, NOW)).body, /`acme \(managed files\)` \(render-refused\): baseline\/sshd: sshd: no key/);
});

test.run();
