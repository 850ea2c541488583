/**
 * One user logging in to an instance in a loop while odoops changes it (issue 11's pass
 * criterion): GET the login page of the database, POST the form (the POST reads res.partner
 * with every column the loaded code declares). Shared by the sandbox test
 * (test/apply/sequence.test.ts) and the real-Odoo tier (test/real-odoo/traffic.real.ts).
 */
import * as assert from 'uvu/assert';
import type { InstanceResult } from '../../operator/apply/types.ts';
import type { SandboxInfo } from '../util/sandbox.ts';
import { startOnServer, waitFor, type ServerProcess } from './server.ts';

/** One JSON line per attempt: {t0, t1 (seconds), step, result, status, undefinedColumn}. */
const TRAFFIC_PY = String.raw`
import http.client, http.cookiejar, json, re, sys, time, urllib.error, urllib.parse, urllib.request
port, db = int(sys.argv[1]), sys.argv[2]
base = "http://127.0.0.1:%d" % port
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None
def call(opener, url, data=None):
    try:
        r = opener.open(url, data=data, timeout=60)  # real Odoo's first requests after a start take 10 s and more
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

export interface Attempt { t0: number; t1: number; step: string; result: string; status: number | null; undefinedColumn: boolean }

/** Starts the loop on the server and waits for its first successful login. */
export async function traffic(info: SandboxInfo, port: number, database: string, tries = 600): Promise<ServerProcess> {
  const p = await startOnServer(info, `exec python3 -u -c '${TRAFFIC_PY.replace(/'/g, `'\\''`)}' ${port} ${database}`);
  await waitFor('a first successful login', async () => (attempts(p).some((a) => a.result === 'ok' && a.step === 'post') ? true : undefined), tries, 100);
  return p;
}

export function attempts(p: ServerProcess): Attempt[] {
  return p.output().split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as Attempt];
    } catch {
      return [];
    }
  });
}

/** Counts for reports: attempts, logins that worked, refused/closed, HTTP 500s, UndefinedColumn. */
export function trafficFigures(p: ServerProcess): { attempts: number; logins: number; refusedOrClosed: number; http500: number; undefinedColumn: number; other: number } {
  const all = attempts(p);
  return {
    attempts: all.length,
    logins: all.filter((a) => a.result === 'ok' && a.step === 'post').length,
    refusedOrClosed: all.filter((a) => a.result === 'refused' || a.result === 'closed').length,
    http500: all.filter((a) => a.status === 500).length,
    undefinedColumn: all.filter((a) => a.undefinedColumn).length,
    other: all.filter((a) => a.result !== 'ok' && a.result !== 'refused' && a.result !== 'closed').length,
  };
}

/** The pass criterion of issue 11 against the downtime window the apply reported. */
export function assertServedRight(p: ServerProcess, r: InstanceResult): void {
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

export async function waitForLoginAfter(p: ServerProcess, ms: number, tries = 600): Promise<void> {
  await waitFor('a login after the downtime', async () => (attempts(p).some((a) => a.result === 'ok' && a.step === 'post' && a.t0 * 1000 > ms) ? true : undefined), tries, 100);
}
