/** The status page and table from plain data (pure): content, escaping, the journal read into runs. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { escapeHtml, renderClientPage, renderFleetPage } from '../../operator/status/html.ts';
import { parseJournal, runsOf, lastApplyOf } from '../../operator/status/runs.ts';
import { renderStatusText } from '../../operator/status/text.ts';
import type { ClientStatus, FleetStatus } from '../../operator/status/types.ts';

const EVIL = '<script>alert(1)</script>"\'&';

function client(name: string, over: Partial<ClientStatus> = {}): ClientStatus {
  return {
    client: name, file: `clients/${name}.yaml`, host: '203.0.113.10:22', reachable: true,
    os: { expected: 'ubuntu-22.04', live: 'ubuntu-22.04', pretty: 'Ubuntu 22.04.5 LTS' },
    instances: [{
      name: 'production', desired: { image: 'registry.example/odoo:17.0-20250101', series: '17.0', domain: `${name}.example`, modules: 3 },
      live: { present: true, image: 'registry.example/odoo:17.0-20241201', series: '17.0', running: true, installedModules: 40, lastApplied: { revision: 'a'.repeat(40), at: '2026-12-01T10:00:00Z' } },
      changes: [{ path: 'image', from: 'x', to: 'y', reason: EVIL }], blocked: null,
      window: { open: false, nextOpening: '2026-12-06T01:00:00.000Z', closesAt: null, description: 'closed; next opening Sun 02:00 Europe/Paris' },
    }],
    drift: 'drifted', managedChanges: [], lastApply: { revision: 'a'.repeat(40), at: '2026-12-01T10:00:00Z', result: 'applied' },
    backups: [{ destination: 'ovh-gra', state: 'unknown', reason: 'not collected' }],
    updates: { security: 1, other: 0, held: ['odoo'], listsUpdatedAt: '2026-12-01T11:00:00Z', packages: { security: [{ name: EVIL, from: '1', to: '2', origins: [], security: true }], other: [] } },
    rebootRequired: true,
    windows: [{ kind: 'security', window: { open: false, nextOpening: '2026-12-06T01:00:00.000Z', closesAt: null, description: 'closed' } }, { kind: 'os', window: null }],
    monitoring: { state: 'unknown', reason: 'not collected' },
    recentRuns: [{ runId: 'r1', kind: 'maintenance', revision: 'maintenance-security', startedAt: '2026-12-01T09:00:00Z', endedAt: '2026-12-01T09:05:00Z', result: 'done', instances: {} }],
    errors: [],
    ...over,
  };
}

const fleet: FleetStatus = { generatedAt: '2026-12-01T12:00:00.000Z', revision: 'b'.repeat(40), clients: [client('acme'), client('globex', { reachable: false, unreachable: { code: 'unreachable', message: EVIL }, updates: null, rebootRequired: null, drift: 'unknown' })] };

test('escapeHtml', () => {
  assert.is(escapeHtml(EVIL), '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;');
});

test('the fleet page: a row per client, refresh, viewport; nothing from the data becomes markup', () => {
  const page = renderFleetPage(fleet, { refreshSeconds: 30 });
  assert.match(page, /<meta http-equiv="refresh" content="30">/);
  assert.match(page, /name="viewport"/);
  assert.is((page.match(/<tr class="client"/g) ?? []).length, 2);
  assert.match(page, /href="\/client\?name=acme"/);
  assert.match(page, /reboot required/);
  assert.match(page, /1 security, 0 other/);
  assert.match(page, /ovh-gra: unknown/);
  assert.not.match(page, /<script>/);
});

test('the client page: desired vs live, changes, pending packages, recent runs; escaped; unknown client -> null', () => {
  const page = renderClientPage(fleet, 'acme', { refreshSeconds: 30 })!;
  assert.match(page, /registry\.example\/odoo:17\.0-20250101/);
  assert.match(page, /registry\.example\/odoo:17\.0-20241201/);
  assert.match(page, /maintenance-security/);
  assert.not.match(page, /<script>/);
  assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.not.match(renderClientPage(fleet, 'globex', { refreshSeconds: 30 })!, /<script>/);
  assert.is(renderClientPage(fleet, 'nobody', { refreshSeconds: 30 }), null);
});

test('the text table names every column', () => {
  const text = renderStatusText(fleet);
  for (const k of ['os', 'instances', 'drift', 'last apply', 'backups', 'updates', 'reboot', 'security window', 'os window', 'monitoring']) assert.match(text, new RegExp(`  ${k} `));
  assert.match(text, /globex \(203\.0\.113\.10:22\): UNREACHABLE/);
});

test('journal lines become runs: apply by worst instance outcome, maintenance by its end line; torn lines skipped', () => {
  const lines = [
    { at: '2026-12-01T10:00:00Z', runId: 'a1', client: 'acme', revision: 'c'.repeat(40), instance: 'test', step: 'instance', outcome: 'applied' },
    { at: '2026-12-01T10:01:00Z', runId: 'a1', client: 'acme', revision: 'c'.repeat(40), instance: 'production', step: 'instance', outcome: 'rolled-back' },
    { at: '2026-12-01T11:00:00Z', runId: 'm1', client: 'acme', revision: 'maintenance-os', instance: '-', step: 'maintain', outcome: 'start' },
    { at: '2026-12-01T11:10:00Z', runId: 'm1', client: 'acme', revision: 'maintenance-os', instance: '-', step: 'maintain', outcome: 'window-closed' },
  ].map((l) => JSON.stringify(l));
  const runs = runsOf(parseJournal([...lines, '{"torn'].join('\n')));
  assert.equal(runs.map((r) => `${r.runId} ${r.kind} ${r.result}`), ['m1 maintenance window-closed', 'a1 apply rolled-back']);
  assert.equal(lastApplyOf(runs), { revision: 'c'.repeat(40), at: '2026-12-01T10:01:00Z', result: 'rolled-back' });
});

test('the renderings and parsers of status and maintain are pure: they import no I/O module', () => {
  const pure = ['status/html.ts', 'status/text.ts', 'status/format.ts', 'status/build.ts', 'status/runs.ts', 'status/types.ts', 'status/backups.ts', 'status/monitoring.ts', 'maintain/parse.ts', 'maintain/window.ts', 'maintain/report.ts', 'maintain/types.ts'];
  // Pure neighbours, the plan/report modules, and type contracts; anything else only as `import type`.
  const allowed = (from: string, spec: string): boolean => {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
    // backup/health.ts: the one backup judgement (pure; croner computes the schedule).
    return pure.includes(target) || target === 'backup/health.ts' || /^(?:plan|report)\/[\w.-]+\.ts$|^(?:desired|live|apply)\/types\.ts$/.test(target);
  };
  const bad: string[] = [];
  for (const f of pure) {
    const src = readFileSync(new URL(`../../operator/${f}`, import.meta.url), 'utf8');
    for (const m of src.matchAll(/(?:^|\n)\s*(import|export)( type)?\b[^'"]*?from\s*['"]([^'"]+)['"]/g)) {
      if (!(m[3]!.startsWith('.') && (m[2] || allowed(f, m[3]!)))) bad.push(`${f}: ${m[3]}`);
    }
  }
  assert.ok(!allowed('maintain/parse.ts', './run.ts') && !allowed('status/html.ts', './collect.ts'), 'I/O neighbours are not allowed');
  assert.equal(bad, []);
});

test.run();
