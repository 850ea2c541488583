/**
 * A full disk and the pre-change snapshot (issue 7, item 7), on a real sandbox server whose
 * /var/lib/odoops is a small tmpfs mounted in the server's own mount namespace: the space is
 * checked first, a dump that hits ENOSPC anyway leaves nothing behind, the real error is
 * reported, and odoo serves again as before.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { reconcile, type ClientOutcome, type ReconcileOptions } from '../../operator/reconcile/index.ts';
import type { InstanceSpec } from '../../operator/desired/types.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';
import { clientSpec, instanceSpec, ssh } from './fixture.ts';
import { onServer, processes, sql, startOnServer, waitFor, PSQL } from './server.ts';

const test = suite('disk full during the snapshot');
let info: SandboxInfo;
let desired: { test: InstanceSpec; production: InstanceSpec };
let rev = 0;

test.before(async () => {
  info = await startSandbox(1);
  desired = { test: instanceSpec(info, 'test'), production: instanceSpec(info, 'production') };
});
test.after(async () => {
  await onServer(info, 'umount /var/lib/odoops 2>/dev/null; true').catch(() => undefined);
  await stopSandbox(info);
});

const spec = () => clientSpec(info, [desired.test, desired.production]);
const apply = (opts: Partial<ReconcileOptions> = {}): Promise<ClientOutcome> =>
  reconcile(spec(), `rev${++rev}`, { mode: 'apply', healthTimeoutMs: 20_000, ...opts, ssh: ssh(info) });
const outcome = (r: ClientOutcome, instance: string) => r.apply?.instances.find((i) => i.instance === instance);
const installed = async (module: string) => (await sql(info, 'acme_test', `SELECT state FROM ir_module_module WHERE name = '${module}'`)) === 'installed';
/** /var/lib/odoops on a tmpfs of `mib` MiB, holding a copy of what was there. */
const smallDisk = (mib: number) =>
  onServer(info, `set -e; umount /var/lib/odoops 2>/dev/null || true; rm -rf /tmp/odoops-copy; cp -a /var/lib/odoops /tmp/odoops-copy
    mount -t tmpfs -o size=${mib}m,mode=0700 odoops-small /var/lib/odoops; cp -a /tmp/odoops-copy/. /var/lib/odoops/`);
const leftovers = () =>
  onServer(info, 'for d in /var/lib/odoops/snapshots/*/*/; do [ -d "$d" ] && [ ! -f "$d/complete" ] && echo "$d"; done; find /var/lib/odoops/snapshots -name "*.part"; true');

test('first apply converges', async () => {
  const r = await apply();
  assert.equal(r.apply?.instances.map((i) => `${i.instance}:${i.outcome}`), ['test:applied', 'production:applied'], JSON.stringify(r.apply, null, 1));
  await sql(info, 'acme_test', "CREATE TABLE canary (note text); INSERT INTO canary VALUES ('before')");
});

test('not enough room for the snapshot: refused before anything is stopped or written; nothing changed', async () => {
  await smallDisk(16);
  desired.test.modules = [...desired.test.modules, 'crm'];
  const r = await apply();
  const t = outcome(r, 'test')!;
  assert.is(t.outcome, 'failed', JSON.stringify(t, null, 1));
  assert.match(t.detail ?? '', /not enough free space for the snapshot in \/var\/lib\/odoops\/snapshots\/test: need \d+ KiB \(database \d+ KiB and filestore \d+ KiB, twice.*\), \d+ KiB free/);
  assert.match(t.detail ?? '', /^snapshot failed: .*; nothing was changed$/);
  assert.not.ok(await installed('crm'));
  assert.match(await onServer(info, 'curl -fsS http://127.0.0.1:8070/web/health'), /pass/);
  assert.is((await leftovers()).trim(), '');
});

test('the disk fills up during the dump: partial files removed, the real error reported, odoo serving again', async () => {
  await smallDisk(128);
  // The dump waits on a table lock, so the disk can be filled while it runs.
  const locker = await startOnServer(info, `${PSQL.join(' ')} -d acme_test`);
  locker.child.stdin!.write('BEGIN;\nLOCK TABLE canary IN ACCESS EXCLUSIVE MODE;\nSELECT 1;\n');
  await waitFor('the table lock', async () => (locker.output().includes('1') ? true : undefined));
  let result: ClientOutcome | undefined;
  const running = apply().then((r) => (result = r));
  try {
    await waitFor('the test pg_dump', async () => ((await processes(info, 'bin/pg_dump ')).some((p) => p.includes('acme_test')) ? true : undefined), 1200);
    await onServer(info, 'head -c 200m /dev/zero > /var/lib/odoops/filler 2>/dev/null; df -k /var/lib/odoops | tail -1');
  } finally {
    await locker.stop();
  }
  await running;
  const t = outcome(result!, 'test')!;
  assert.is(t.outcome, 'failed', JSON.stringify(t, null, 1));
  assert.match(t.detail ?? '', /No space left on device/);
  assert.match(t.detail ?? '', /^snapshot failed: .*; nothing was changed \(odoo, stopped for the snapshot, started again\)$/);
  assert.is((await leftovers()).trim(), '', 'no partial dump or snapshot left');
  assert.not.ok(await installed('crm'));
  assert.match(await onServer(info, 'curl -fsS http://127.0.0.1:8070/web/health'), /pass/, 'odoo, stopped for the dump, serves again');
  assert.is(await sql(info, 'acme_test', 'SELECT note FROM canary'), 'before');

  await onServer(info, 'rm -f /var/lib/odoops/filler');
  const again = await apply();
  assert.is(outcome(again, 'test')?.outcome, 'applied', JSON.stringify(again.apply, null, 1));
  assert.ok(await installed('crm'));
});

test.run();
