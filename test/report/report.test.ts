import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApplyResult } from '../../operator/apply/types.ts';
import { planClient } from '../../operator/plan/plan.ts';
import type { Plan } from '../../operator/plan/types.ts';
import {
  applySummaryLine,
  PLAN_MARKER,
  renderApplyMarkdown,
  renderApplyText,
  renderPlanMarkdown,
  renderPlanText,
  redactUrls,
  toJson,
} from '../../operator/report/index.ts';
import { clientSpec, instanceSpec, liveState, NOW, REV, SUNDAY_WINDOW } from '../plan/fixtures.ts';

const opts = { revision: REV, now: NOW };
const mods = ['contacts', 'crm', 'sale_management'];

function fleet(): Plan[] {
  const acme = clientSpec('acme', [instanceSpec('test', { modules: mods }), instanceSpec('production', { modules: mods, windows: [SUNDAY_WINDOW] })]);
  const pa = planClient(acme, liveState(acme, (l) => {
    for (const i of Object.values(l)) {
      i.modules.crm = { state: 'uninstalled', installedVersion: null, manifestVersion: null };
      i.modules.contacts = { state: 'uninstalled', installedVersion: null, manifestVersion: null };
      i.modules.website = { state: 'installed', installedVersion: '17.0.1.0', manifestVersion: null };
      i.options.workers = '4';
    }
  }), opts);
  const beta = clientSpec('beta');
  const pb = planClient(beta, { client: 'beta', reachable: false, code: 'unreachable', reason: 'connect ETIMEDOUT 203.0.113.11:22' }, opts);
  const gamma = clientSpec('gamma');
  const pg = planClient(gamma, liveState(gamma), opts);
  const delta = clientSpec('delta');
  const pd = planClient(delta, liveState(delta, (l) => { l.test!.odooVersion = '16.0'; }), opts);
  return [pa, pb, pg, pd];
}

const lines = (s: string): string[] => s.split('\n');

test('plan text: changes once, steps marked as steps, window, blocked, unreachable, summary', () => {
  const out = renderPlanText(fleet(), { color: false });
  const l = lines(out);
  assert.is(l[0], 'odoops plan at abcdefabcd');
  assert.ok(l.includes('~ acme/test  window open (no update windows)'), out);
  assert.ok(l.includes('    + install 2 modules: contacts, crm (uninstalled)'), out);
  assert.ok(l.includes('    - uninstall 1 module: website (installed)'), out);
  assert.ok(l.includes('    ~ odoo.conf: workers 4 → 2'), out);
  // Issue 11's sequence: odoo stays stopped until the modules are migrated, then starts.
  assert.ok(l.includes('    steps: snapshot (stops odoo, dumps the database) → stop odoo → write odoo.conf →'), out);
  assert.ok(l.includes('           uninstall 1 module → install 2 modules → start odoo → health check → record revision'), out);
  assert.ok(l.includes('    ~ Odoo series 16.0 → 17.0'), out);
  assert.ok(l.includes('~ acme/production  window closed; next opening Sun 2026-11-29 02:00 Europe/Paris'), out);
  assert.ok(l.includes('    runs after acme/test succeeds in the same run'));
  assert.ok(l.includes('? beta  unreachable: connect ETIMEDOUT 203.0.113.11:22'), out);
  assert.ok(l.includes('! delta/test  blocked: major upgrade 16.0 -> 17.0: out of routine scope'), out);
  assert.ok(l.includes('No changes: gamma'));
  assert.is(l.at(-2), 'Summary: 2 instances to change on 1 client (1 in its window now, 1 waiting for its window), 1 instance blocked, 1 server unreachable, 1 client unchanged');
  // test is listed before production
  assert.ok(out.indexOf('acme/test') < out.indexOf('acme/production'));
  assert.not.match(out, /\x1b\[/, 'no escape codes without color');
});

test('plan text: color uses ANSI codes, no changes summary', () => {
  assert.match(renderPlanText(fleet(), { color: true }), /\x1b\[3\dm/);
  const gamma = clientSpec('gamma');
  const out = renderPlanText([planClient(gamma, liveState(gamma), opts)], { color: false });
  assert.equal(lines(out).filter(Boolean), ['odoops plan at abcdefabcd', 'No changes: gamma', 'Summary: nothing to change, 1 client unchanged']);
});

test('plan markdown: sticky marker, collapsible client sections, diff block, table', () => {
  const md = renderPlanMarkdown(fleet());
  const l = lines(md);
  assert.is(l[0], PLAN_MARKER);
  assert.is(PLAN_MARKER, '<!-- odoops:plan -->');
  assert.ok(l.includes('### odoops plan at `abcdefabcd`'));
  assert.ok(l.includes('**2 instances to change on 1 client (1 in its window now, 1 waiting for its window), 1 instance blocked, 1 server unreachable, 1 client unchanged**'), md);
  assert.ok(l.some((x) => x.startsWith('<details><summary><b>acme</b>: test: write odoo.conf; uninstall website; install contacts, crm · production:') && x.endsWith('(waiting for window)</summary>')), md);
  assert.is(l.filter((x) => x === '</details>').length, 2);
  assert.ok(l.includes('```diff'));
  assert.ok(l.includes('+ install contacts, crm'));
  assert.ok(l.includes('- uninstall website'));
  assert.ok(l.includes('! write odoo.conf: workers 4 -> 2'));
  assert.ok(l.includes('| `options.workers` | 4 | 2 | option differs |'));
  assert.ok(l.includes('- window: ⏸️ closed; next opening Sun 2026-11-29 02:00 Europe/Paris'));
  assert.ok(l.includes('- runs after `acme/test` succeeds in the same run'));
  assert.ok(l.includes('> major upgrade 16.0 -> 17.0: out of routine scope'));
  assert.ok(l.includes('- ❓ `beta`: unreachable: connect ETIMEDOUT 203.0.113.11:22'), md);
  assert.ok(l.includes('No changes: `gamma`'));
});

test('markdown escapes table-breaking and HTML characters from data', () => {
  const spec = clientSpec('acme', [instanceSpec('test', { options: { db_filter: '^a|b<script>$' } })]);
  const md = renderPlanMarkdown([planClient(spec, liveState(spec, (l) => { l.test!.options.db_filter = 'x'; }), opts)]);
  assert.ok(md.includes('| `options.db_filter` | x | ^a\\|b&lt;script>$ | option differs |'), md);
  // raw text only inside code fences, where Markdown renders it literally
  const outsideFences = md.split('```').filter((_, i) => i % 2 === 0).join('');
  assert.not.ok(outsideFences.includes('<script>'));
  assert.ok(md.includes('! write odoo.conf: db_filter x -> ^a|b<script>$'));
});

function results(): ApplyResult[] {
  return [
    {
      client: 'acme',
      revision: REV,
      durationMs: 42_000,
      instances: [
        {
          instance: 'test',
          outcome: 'applied',
          actions: [
            { action: { kind: 'snapshot', instance: 'test', database: true }, outcome: 'ok', durationMs: 1200 },
            { action: { kind: 'install-modules', instance: 'test', modules: ['crm'] }, outcome: 'ok', durationMs: 14_500 },
          ],
        },
        {
          instance: 'production',
          outcome: 'rolled-back',
          detail: 'install-modules failed; previous image and backup restored',
          actions: [
            { action: { kind: 'snapshot', instance: 'production', database: true }, outcome: 'ok', durationMs: 900 },
            {
              action: { kind: 'install-modules', instance: 'production', modules: ['crm'] },
              outcome: 'failed',
              durationMs: 3100,
              command: "docker compose -f /srv/odoo/production/compose.yaml run --rm -T odoo odoo -i crm",
              output: 'line1\nCRITICAL acme_prod odoo.service.server: Failed to initialize database `acme_prod`.',
            },
            { action: { kind: 'health-check', instance: 'production' }, outcome: 'skipped', durationMs: 0 },
          ],
        },
      ],
    },
    { client: 'beta', revision: REV, durationMs: 10, error: { code: 'locked', message: 'lock held by apply pid 4242 on ops-1 since 2026-11-25T09:58:00Z' }, instances: [] },
    { client: 'gamma', revision: REV, durationMs: 10, instances: [{ instance: 'production', outcome: 'waiting', detail: 'next opening Sun 2026-11-29 02:00 Europe/Paris', actions: [] }] },
  ];
}

test('apply text: outcomes, failing command and output, summary', () => {
  const out = renderApplyText(results(), { color: false });
  const l = lines(out);
  assert.is(l[0], 'odoops apply at abcdefabcd');
  assert.ok(l.includes('applied     acme/test'), out);
  assert.ok(l.includes('    ok     install crm (14.5s)'));
  assert.ok(l.includes('rolled-back acme/production: install-modules failed; previous image and backup restored'));
  assert.ok(l.includes('    failed install crm (3.1s)'));
  assert.ok(l.includes('           command: docker compose -f /srv/odoo/production/compose.yaml run --rm -T odoo odoo -i crm'));
  assert.ok(l.includes('           | CRITICAL acme_prod odoo.service.server: Failed to initialize database `acme_prod`.'));
  assert.ok(l.includes('    skip   health check (login page of the database, startup log, image and modules read back) (0ms)'));
  assert.ok(l.includes('error       beta: lock held by apply pid 4242 on ops-1 since 2026-11-25T09:58:00Z'));
  assert.ok(l.includes('waiting     gamma/production: next opening Sun 2026-11-29 02:00 Europe/Paris'));
  assert.is(l.at(-2), 'Summary: 1 applied, 1 waiting, 1 rolled-back, 1 client error');
  assert.is(applySummaryLine([]), 'nothing to do');
});

test('apply text and markdown: the downtime window of an instance', () => {
  const r = results();
  r[0]!.instances[0]!.downtime = { from: '2026-11-29T01:00:01.120Z', to: '2026-11-29T01:00:05.320Z', ms: 4200 };
  r[0]!.instances[1]!.downtime = { from: '2026-11-29T01:01:00.000Z', to: null, ms: null };
  const text = renderApplyText(r, { color: false });
  assert.ok(lines(text).includes('    downtime 4.2s (2026-11-29 01:00:01.120Z → 01:00:05.320Z)'), text);
  assert.ok(lines(text).includes('    downtime: odoo not healthy again in this run (stopped at 2026-11-29T01:01:00.000Z)'), text);
  assert.match(renderApplyMarkdown(r), /acme\/test<\/b>: applied \(downtime 4\.2s \(2026-11-29 01:00:01\.120Z → 01:00:05\.320Z\)\)/);
});

test('apply markdown: marker, per-instance details, failing command in a block', () => {
  const md = renderApplyMarkdown(results());
  const l = lines(md);
  assert.is(l[0], '<!-- odoops:apply -->');
  assert.ok(l.includes('**1 applied, 1 waiting, 1 rolled-back, 1 client error**'));
  assert.ok(l.includes('<details><summary>✅ <b>acme/test</b>: applied</summary>'), md);
  assert.ok(l.includes('| install crm | failed | 3.1s |'));
  assert.ok(l.includes('$ docker compose -f /srv/odoo/production/compose.yaml run --rm -T odoo odoo -i crm'));
  assert.ok(l.includes('- ❌ **beta**: lock held by apply pid 4242 on ops-1 since 2026-11-25T09:58:00Z'));
  assert.ok(l.includes('- ⏸️ <b>gamma/production</b>: waiting — next opening Sun 2026-11-29 02:00 Europe/Paris'));
});

test('apply report of a takeover: what the dead run was doing and what was done about it', () => {
  const r: ApplyResult = {
    client: 'acme', revision: REV, durationMs: 10, instances: [],
    takeover: { runId: 'dead-1', host: 'ops-1', since: '2026-11-25T09:58:00Z', stoppedCommands: 1, instances: [
      { instance: 'production', found: 'run dead-1 died during snapshot of production', done: 'odoo started again', marked: false },
    ] },
  };
  const l = lines(renderApplyText([r], { color: false }));
  assert.ok(l.includes('takeover    acme: run dead-1 (host ops-1, since 2026-11-25T09:58:00Z) had died holding the lock; 1 of its commands were stopped'), l.join('\n'));
  assert.ok(l.includes('    acme/production: run dead-1 died during snapshot of production: odoo started again'));
  assert.match(renderApplyMarkdown([r]), /⚠️ acme\/production: run dead-1 died during snapshot of production: odoo started again/);
});

test('credentials in URLs never reach a report or JSON; secret option values read "(secret)"', () => {
  const leaky = 'https://deploy:hunter2-token@git.example.com/x.git';
  assert.is(redactUrls(`clone ${leaky} failed`), 'clone https://***@git.example.com/x.git failed');
  assert.is(redactUrls('ssh://git@host/x.git and git@host:x.git'), 'ssh://***@host/x.git and git@host:x.git');
  const r: ApplyResult = { client: 'acme', revision: REV, durationMs: 1, instances: [{ instance: 'test', outcome: 'failed', detail: `checkout-addons failed: fatal: could not read from ${leaky}`, actions: [
    { action: { kind: 'write-config', instance: 'test', set: { smtp_password: { secret: 'env:SMTP_PASS' } }, previous: { smtp_password: '(secret, differs)' } }, outcome: 'failed', durationMs: 1, command: `git clone ${leaky}`, output: leaky },
  ] }] };
  for (const out of [renderApplyText([r]), renderApplyMarkdown([r]), toJson([r])]) {
    assert.not.ok(out.includes('hunter2'), out);
    assert.ok(out.includes('https://***@git.example.com/x.git'));
  }
  assert.ok(renderApplyText([r]).includes('write odoo.conf: smtp_password (secret, differs) -> (secret)'));
});

test('toJson: the data, keys sorted, stable', () => {
  const plans = fleet();
  const a = toJson(plans);
  assert.equal(JSON.parse(a), JSON.parse(JSON.stringify(plans)));
  assert.is(toJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } }), '{\n  "a": {\n    "d": [\n      3,\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}');
  assert.is(toJson({ b: 1, a: 2 }, { indent: 0 }), '{"a":2,"b":1}');
});

test.run();
