/**
 * Secrets never leave odoops in clear (issue 7, items 11 and 12), on a real sandbox server:
 * a secret odoo.conf option ({secret: env:NAME}) and the credential of a private addons
 * repository served over real HTTP with Basic authentication. Every report (text, Markdown,
 * JSON), every progress line, every journal line, the checkout's .git/config and the
 * server's process list during the apply are searched for both values.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reconcile, type ClientOutcome, type ReconcileOptions } from '../../operator/reconcile/index.ts';
import { driftStatusOf } from '../../operator/drift/observe.ts';
import { renderDriftIssue } from '../../operator/report/drift-issue.ts';
import { renderDriftStatusText } from '../../operator/report/drift-status.ts';
import type { InstanceSpec } from '../../operator/desired/types.ts';
import { driftJson, renderApplyMarkdown, renderApplyText, renderPlanMarkdown, renderPlanText, toJson } from '../../operator/report/index.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';
import { clientSpec, instanceSpec, ssh } from './fixture.ts';
import { startGitHttp, type GitHttpServer } from './git-http.ts';
import { onServer, startOnServer, type ServerProcess } from './server.ts';

const test = suite('secrets never leave odoops in clear');
let info: SandboxInfo;
let git: GitHttpServer;
let desired: { test: InstanceSpec; production: InstanceSpec };
let rev = 0;
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;
let secret = `smtp-${randomBytes(12).toString('hex')}`;
const said: string[] = [];

test.before(async () => {
  info = await startSandbox(1);
  const bare = fileURLToPath(info.addonsRepos['integrator-addons']!);
  // The sandbox servers reach the machine at their link's gateway address.
  const gateway = info.servers[0]!.host.replace(/\.\d+$/, '.1');
  git = await startGitHttp({ root: path.dirname(bare), host: gateway, user: 'deploy', password: TOKEN });
  const privateAddons = (name: 'test' | 'production') => instanceSpec(info, name, {
    options: { workers: 2, smtp_password: { secret: 'env:ODOOPS_TEST_SMTP' } },
    addons: [{ name: 'integrator-addons', url: git.url('integrator-addons'), ref: 'v1.0', credentials: 'env:ODOOPS_TEST_ADDONS' }],
  });
  desired = { test: privateAddons('test'), production: privateAddons('production') };
});
test.after(async () => {
  await git?.close();
  await stopSandbox(info);
});

const spec = () => clientSpec(info, [desired.test, desired.production]);
const env = () => ({ ...process.env, ODOOPS_TEST_SMTP: secret, ODOOPS_TEST_ADDONS: `deploy:${TOKEN}` });
const run = (mode: 'plan' | 'apply', opts: Partial<ReconcileOptions> = {}): Promise<ClientOutcome> =>
  reconcile(spec(), `rev${++rev}`, { mode, healthTimeoutMs: 20_000, env: env(), ...opts, ssh: ssh(info), onProgress: (e) => void said.push(e.message) });
const reports = (r: ClientOutcome): string[] => {
  const drift = driftStatusOf([spec()], [r], r.plan.revision, new Date(), env());
  return [
    renderPlanText([r.plan], { color: false }), renderPlanMarkdown([r.plan]), toJson([r.plan]),
    renderDriftStatusText(drift), renderDriftIssue(drift).body, toJson(driftJson(drift)), toJson(r.live),
    ...(r.apply ? [renderApplyText([r.apply]), renderApplyMarkdown([r.apply]), toJson([r.apply])] : []),
  ];
};
function assertNowhere(where: string, texts: string[]): void {
  for (const t of texts) {
    assert.not.ok(t.includes(secret), `${where} shows the secret option value`);
    assert.not.ok(t.includes(TOKEN), `${where} shows the addons credential`);
  }
}

test('first apply: the secret reaches odoo.conf and the private repository is checked out; nothing shows either', async () => {
  // Everything the server's processes show, sampled for the whole apply.
  const ps: ServerProcess = await startOnServer(info, 'while :; do ps -eo args; sleep 0.02; done');
  let r: ClientOutcome;
  try {
    r = await run('apply');
  } finally {
    await ps.stop();
  }
  assert.equal(r.apply?.instances.map((i) => `${i.instance}:${i.outcome}`), ['test:applied', 'production:applied'], JSON.stringify(r.apply, null, 1));
  assert.match(await onServer(info, 'cat /srv/odoo/production/odoo.conf'), new RegExp(`^smtp_password = ${secret}$`, 'm'), 'the value is where it belongs');
  assert.ok(git.seen.includes(`deploy:${TOKEN}`), 'git authenticated with the credential');
  assert.ok(ps.output().includes('docker compose'), 'the process list was sampled during the apply');
  assertNowhere('the process list', [ps.output()]);
  assertNowhere('a report', reports(r));
  assertNowhere('a progress line', said);
  assertNowhere('the journal', [await onServer(info, 'cat /var/lib/odoops/journal.log')]);
  assertNowhere('.git/config', [await onServer(info, 'cat /srv/odoo/*/addons/integrator-addons/.git/config')]);
  assert.is((await onServer(info, 'ls -A /var/lib/odoops/tmp 2>/dev/null; true')).trim(), '', 'askpass files removed');
});

test('converged: the probe compares the secret through a digest; the plan shows "(secret)", never the value', async () => {
  const r = await run('plan');
  assert.ok(r.plan.instances.every((i) => i.actions.length === 0 && !i.blocked), JSON.stringify(r.plan, null, 1));
  assert.ok(r.live.reachable && r.live.instances.production!.options.smtp_password === '(secret)');
  assertNowhere('a report', reports(r));
});

test('a new secret value: planned as "(secret, differs) -> (secret)" and written; still nowhere in clear', async () => {
  const old = secret;
  secret = `smtp-${randomBytes(12).toString('hex')}`;
  const plan = await run('plan');
  const text = renderPlanText([plan.plan], { color: false });
  assert.ok(text.includes('odoo.conf: smtp_password (secret, differs) → (secret)'), text);
  const r = await run('apply');
  assert.equal(r.apply?.instances.map((i) => i.outcome), ['applied', 'applied']);
  assert.match(await onServer(info, 'cat /srv/odoo/test/odoo.conf'), new RegExp(`^smtp_password = ${secret}$`, 'm'));
  assertNowhere('a report', [...reports(plan), ...reports(r)]);
  assert.not.ok([...reports(plan), ...reports(r)].some((t) => t.includes(old)), 'nor the old value');
});

test('a secret that cannot be resolved blocks its instances with a typed reason naming the reference, not a value', async () => {
  const r = await reconcile(spec(), `rev${++rev}`, { mode: 'apply', env: { ...process.env, ODOOPS_TEST_ADDONS: `deploy:${TOKEN}` }, ssh: ssh(info) });
  assert.equal(r.apply?.instances.map((i) => `${i.instance}:${i.outcome}:${i.reason?.code}`), ['test:blocked:secret-unresolved', 'production:blocked:secret-unresolved']);
  assert.match(r.apply?.instances[0]?.detail ?? '', /secret env:ODOOPS_TEST_SMTP \(clients\/acme\.yaml instances\.test\.options\.smtp_password\): environment variable ODOOPS_TEST_SMTP is not set/);
});

test.run();
