/**
 * Issue 11 on a sandbox server: never serve new code against the old schema. A client logs in
 * to production in a loop (GET the login page of the database, POST the form: the POST reads
 * res.partner with every column the loaded code declares) while odoops applies a new addons
 * commit adding a field, then an image switch. Pass: zero HTTP 500, zero UndefinedColumn, and
 * every refused connection inside the downtime window the apply itself reports. Then the
 * health check: PostgreSQL stopped once odoo has started fails it although /web/health passes,
 * and the rollback keeps what the changed instance left.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApplyProgress } from '../../operator/apply/index.ts';
import type { InstanceResult } from '../../operator/apply/types.ts';
import type { InstanceSpec } from '../../operator/desired/types.ts';
import { reconcile, type ClientOutcome } from '../../operator/reconcile/index.ts';
import { renderApplyText } from '../../operator/report/apply.ts';
import { toJson } from '../../operator/report/json.ts';
import { sandboxFault } from '../../operator/sandbox/index.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';
import { clientSpec, instanceSpec, ssh } from './fixture.ts';
import { databases, onServer, sql, startOnServer, waitFor, type ServerProcess } from './server.ts';

const test = suite('apply sequence under traffic');
const HERE = path.dirname(fileURLToPath(import.meta.url));
const PARTNER_FIELD = path.resolve(HERE, '../../operator/sandbox/fixtures/integrator-addons/versions/partner-field');
const DB = 'acme_prod';
let info: SandboxInfo;
let desired: InstanceSpec;
let rev = 0;

test.before(async () => {
  info = await startSandbox(1);
  desired = instanceSpec(info, 'production', { modules: ['contacts', 'integrator_base', 'integrator_reports'] });
});
test.after(async () => {
  await stopSandbox(info);
});

const client = () => info.servers[0]!.client;
const apply = (onProgress?: (e: ApplyProgress) => Promise<void>): Promise<ClientOutcome> =>
  reconcile(clientSpec(info, [desired]), `rev${++rev}`, { mode: 'apply', healthTimeoutMs: 8_000, ssh: ssh(info), ...(onProgress ? { onProgress } : {}) });
const production = (r: ClientOutcome): InstanceResult => r.apply!.instances.find((i) => i.instance === 'production')!;

/** One user in a loop; one JSON line per attempt: {t0, t1 (seconds), step, result, status, undefinedColumn}. */
const TRAFFIC_PY = String.raw`
import http.client, http.cookiejar, json, re, sys, time, urllib.error, urllib.parse, urllib.request
port, db = int(sys.argv[1]), sys.argv[2]
base = "http://127.0.0.1:%d" % port
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None
def call(opener, url, data=None):
    try:
        r = opener.open(url, data=data, timeout=10)
        return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
while True:
    t0 = time.time()
    step, status, body, result = "get", None, "", "ok"
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)
        status, body = call(opener, base + "/web/login?db=" + db)
        if status == 200:
            token = re.search(r'name="csrf_token" value="([^"]+)"', body)
            form = urllib.parse.urlencode({"csrf_token": token.group(1) if token else "", "login": "admin", "password": "admin", "redirect": ""}).encode()
            step = "post"
            status, body = call(opener, base + "/web/login", form)
        if not ((step == "get" and status == 200) or (step == "post" and status == 303)):
            result = "http"
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        reason = getattr(e, "reason", e)
        if isinstance(reason, ConnectionRefusedError):
            result = "refused"
        elif isinstance(reason, (ConnectionResetError, http.client.RemoteDisconnected)):
            result = "closed"  # the server stopped while answering: the downtime's first moment
        else:
            result = "error: %r" % (reason,)
    print(json.dumps({"t0": t0, "t1": time.time(), "step": step, "result": result, "status": status, "undefinedColumn": "UndefinedColumn" in body}), flush=True)
    time.sleep(0.02)
`;

interface Attempt { t0: number; t1: number; step: string; result: string; status: number | null; undefinedColumn: boolean }

async function traffic(): Promise<ServerProcess> {
  const p = await startOnServer(info, `exec python3 -u -c "$0" ${desired.httpPort} ${DB}`.replace('"$0"', `'${TRAFFIC_PY.replace(/'/g, `'\\''`)}'`));
  // Wait for the first successful login: the loop is running against a serving instance.
  await waitFor('a first successful login', async () => (attempts(p).some((a) => a.result === 'ok' && a.step === 'post') ? true : undefined), 600, 100);
  return p;
}

function attempts(p: ServerProcess): Attempt[] {
  return p.output().split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as Attempt];
    } catch {
      return [];
    }
  });
}

/** The pass criterion of issue 11 against the downtime window the apply reported. */
function assertServedRight(p: ServerProcess, r: InstanceResult): void {
  const all = attempts(p);
  assert.is(all.filter((a) => a.status === 500).length, 0, `HTTP 500s: ${JSON.stringify(all.filter((a) => a.status === 500).slice(0, 3))}`);
  assert.is(all.filter((a) => a.undefinedColumn).length, 0, 'no UndefinedColumn');
  const d = r.downtime;
  assert.ok(d && d.to !== null && d.ms !== null && d.ms > 0, `downtime reported: ${JSON.stringify(d)}`);
  const from = Date.parse(d!.from);
  const to = Date.parse(d!.to!);
  const failed = all.filter((a) => a.result !== 'ok');
  for (const a of failed) {
    assert.ok(a.t1 * 1000 >= from && a.t0 * 1000 <= to, `failure outside the reported downtime ${d!.from} .. ${d!.to}: ${JSON.stringify(a)}`);
    // Refused (nothing listens), closed (the stopping server dropped a request in flight) or a proxy's 502.
    assert.ok(a.result === 'refused' || a.result === 'closed' || a.status === 502, `only refused or closed connections or 502s: ${JSON.stringify(a)}`);
  }
  assert.ok(failed.length > 0, 'the loop did meet the downtime (it requests every 20 ms)');
  assert.ok(all.some((a) => a.result === 'ok' && a.t1 * 1000 < from), 'served before the downtime');
  assert.ok(all.some((a) => a.result === 'ok' && a.step === 'post' && a.t0 * 1000 > to), 'served after the downtime');
}

async function waitForLoginAfter(p: ServerProcess, ms: number): Promise<void> {
  await waitFor('a login after the downtime', async () => (attempts(p).some((a) => a.result === 'ok' && a.step === 'post' && a.t0 * 1000 > ms) ? true : undefined), 600, 100);
}

/** The fixture addons repository gets integrator_base 1.1 (a new stored field on res.partner) as tag v1.1. */
function publishPartnerField(): void {
  const tmp = mkdtempSync(path.join(tmpdir(), 'odoops-addons-'));
  const git = (...a: string[]) => execFileSync('git', ['-C', tmp, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...a], { stdio: 'pipe' });
  try {
    execFileSync('git', ['clone', '-q', info.addonsRepos['integrator-addons']!, tmp], { stdio: 'pipe' });
    cpSync(PARTNER_FIELD, tmp, { recursive: true });
    git('add', '-A');
    git('commit', '-qm', 'integrator_base 1.1: x_integrator_code on res.partner');
    git('tag', 'v1.1');
    git('push', '-q', 'origin', 'HEAD:main', 'v1.1');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const serverLog = () => onServer(info, 'docker compose -f /srv/odoo/production/compose.yaml logs --no-color odoo');

test('baseline: integrator_base 1.0 and integrator_reports installed, checksums recorded', async () => {
  const r = await apply();
  assert.is(production(r).outcome, 'applied', JSON.stringify(r.apply, null, 1));
  const recorded = JSON.parse(await onServer(info, 'cat /var/lib/odoops/modules/production.json')) as { modules: Record<string, string> };
  assert.ok(recorded.modules.integrator_base && recorded.modules.integrator_reports, JSON.stringify(recorded));
});

test('new field (integrator_base 1.0 -> 1.1) under traffic: no 500, no UndefinedColumn, refusals only inside the reported downtime; only the changed module upgraded', async () => {
  publishPartnerField();
  desired.addons = [{ ...desired.addons[0]!, ref: 'v1.1' }];
  const p = await traffic();
  let r: ClientOutcome;
  try {
    r = await apply();
    await waitForLoginAfter(p, Date.parse(production(r).downtime?.to ?? new Date().toISOString()));
  } finally {
    await p.stop();
  }
  const prod = production(r);
  assert.is(prod.outcome, 'applied', JSON.stringify(prod, null, 1));
  assertServedRight(p, prod);
  // The plan's steps, in the one order: nothing serves between stop and start.
  assert.equal(prod.actions.map((a) => a.action.kind), ['fetch-addons', 'snapshot', 'stop', 'checkout-addons', 'upgrade-modules', 'start', 'health-check', 'record-revision']);
  const up = prod.actions.find((a) => a.action.kind === 'upgrade-modules')!.action;
  assert.equal(up.kind === 'upgrade-modules' ? [up.modules, up.why] : null, [['integrator_base'], [{ module: 'integrator_base', cause: 'version', from: '17.0.1.0', to: '17.0.1.1' }]], 'integrator_reports is unchanged: not upgraded');
  assert.not.match(await serverLog(), /UndefinedColumn/);
  assert.is(await sql(info, DB, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'res_partner' AND column_name = 'x_integrator_code'"), '1');
  // The downtime is in the report, text and JSON.
  assert.match(renderApplyText([r.apply!]), /\n {4}downtime (\d+ms|\d+\.\d+s|\d+m\d\ds) \(\d{4}-\d\d-\d\d [\d:.]+Z → [\d:.]+Z\)\n/);
  assert.match(toJson(r.apply), /"downtime": \{\n\s+"from": "/);
});

test('image switch under traffic: same criterion; core modules whose version differs in the new image are upgraded', async () => {
  // The database says contacts is at 17.0.0.9: the new image's manifest (17.0.1.0) differs.
  await sql(info, DB, "UPDATE ir_module_module SET latest_version = '17.0.0.9' WHERE name = 'contacts'");
  desired.image = 'registry.example.com/odoo:17.0-20261201';
  const p = await traffic();
  let r: ClientOutcome;
  try {
    r = await apply();
    await waitForLoginAfter(p, Date.parse(production(r).downtime?.to ?? new Date().toISOString()));
  } finally {
    await p.stop();
  }
  const prod = production(r);
  assert.is(prod.outcome, 'applied', JSON.stringify(prod, null, 1));
  assert.equal(prod.actions.map((a) => a.action.kind), ['pull-image', 'snapshot', 'stop', 'switch-image', 'upgrade-modules', 'start', 'health-check', 'record-revision']);
  assert.match(prod.actions.find((a) => a.action.kind === 'upgrade-modules')!.output ?? '', /core modules after the image switch: contacts 17\.0\.0\.9 → 17\.0\.1\.0/);
  assert.is(await sql(info, DB, "SELECT latest_version FROM ir_module_module WHERE name = 'contacts'"), '17.0.1.0');
  assertServedRight(p, prod);
  const idle = await apply();
  assert.is(production(idle).outcome, 'unchanged', 'converged');
});

test('PostgreSQL down once odoo has started: /web/health passes, the health check fails on the login page, the rollback keeps what the changed instance left', async () => {
  desired.modules = [...desired.modules, 'project'];
  let webHealth = '';
  let stopped = false;
  try {
    const r = await apply(async (e) => {
      if (e.instance === 'production' && e.step === 'health-check' && e.status === 'start' && !stopped) {
        stopped = true;
        await sandboxFault({ dir: info.dir, client: client(), fault: 'db-stop' });
      }
      if (e.instance === 'production' && e.step === 'rollback' && e.status === 'start') {
        webHealth = await onServer(info, `curl -sS --max-time 5 http://127.0.0.1:${desired.httpPort}/web/health`);
        await sandboxFault({ dir: info.dir, client: client(), fault: 'db-start' });
      }
    });
    const prod = production(r);
    assert.is(webHealth, '{"status": "pass"}', 'odoo itself was up: /web/health would have passed');
    assert.is(prod.outcome, 'rolled-back', JSON.stringify(prod, null, 1));
    assert.match(prod.detail!, /health-check failed: GET \/web\/login\?db=acme_prod answered 302/);
    assert.match(prod.detail!, /what it left is kept: database odoops_aside_/);
    assert.ok(prod.downtime?.to, 'healthy again after the rollback');
    assert.match(await sql(info, DB, "SELECT state FROM ir_module_module WHERE name = 'project'"), /^(uninstalled)?$/);
    const aside = (await databases(info)).filter((d) => d.startsWith('odoops_aside_'));
    assert.is(aside.length, 1, 'the database users may have written to is kept (renamed aside, connections refused until a person looks)');
    assert.ok(prod.detail!.includes(aside[0]!), 'the report names it');
  } finally {
    await sandboxFault({ dir: info.dir, client: client(), fault: 'db-start' });
  }
});

test.run();
