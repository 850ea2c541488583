/**
 * No injection: hostile values (bypassing validation) go through odoops' command builders,
 * over SSH, to a real sandbox server. Nothing extra may run there: the canary file never
 * appears, and each value arrives as one literal argument.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, rmSync } from 'node:fs';
import { connectSsh, type HostSession } from '../../operator/live/ssh.ts';
import { probeLive } from '../../operator/live/probe.ts';
import {
  addonsCheckout, dockerPull, hostEdit, journalAppend, odooInstall, odooUninstall, psqlModules, snapshot,
} from '../../operator/host/commands.ts';
import { addonsDir, envFile } from '../../operator/host/paths.ts';
import { adhoc } from '../host/adhoc.ts';
import { sandboxExec } from '../../operator/sandbox/index.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';
import { clientSpec, instanceSpec, ssh } from '../apply/fixture.ts';

const CANARY = `/tmp/pwned-odoops-${process.pid}`;
const hostile = [
  `x$(touch ${CANARY})`,
  `x\`touch ${CANARY}\``,
  `x; touch ${CANARY}`,
  `x' ; touch ${CANARY} ; '`,
  `x" ; touch ${CANARY} ; "`,
  `x\ntouch ${CANARY}`,
  `x && touch ${CANARY}`,
  `x | touch ${CANARY}`,
  `x > ${CANARY}`,
  `--upload-pack=touch ${CANARY}`,
];

let info: SandboxInfo | undefined;
let session: HostSession;

test.before(async () => {
  info = await startSandbox(1);
  session = await connectSsh(info.servers[0]!.client, clientSpec(info, []).server, ssh(info));
});
test.after(async () => {
  await session?.close();
  await stopSandbox(info);
  rmSync(CANARY, { force: true });
});

async function assertNoCanary(what: string): Promise<void> {
  const inside = await sandboxExec(info!, info!.servers[0]!.client, ['sh', '-c', `test -e ${CANARY} && echo FOUND || echo clean`]);
  assert.is(inside.stdout.trim(), 'clean', `${what}: canary created on the server`);
  assert.not.ok(existsSync(CANARY), `${what}: canary created`);
}

test('argv arrives as one literal argument each', async () => {
  for (const v of hostile) {
    const r = await session.exec(adhoc(['printf', '%s\\0', v, 'next']));
    assert.equal(r.stdout.split('\0').slice(0, -1), [v, 'next']);
  }
  await assertNoCanary('printf');
});

test('module names: odoo -i, odoo shell uninstall (Python literal), psql', async () => {
  for (const v of hostile) {
    const inst = await session.exec(odooInstall('test', 'acme_test', [v]));
    // Odoo ignores unknown names with a warning, exit 0: the hostile text is just a name.
    assert.is(inst.code, 0, inst.stderr);
    assert.match(inst.stderr, 'invalid module names, ignored');
    const un = await session.exec(odooUninstall('test', 'acme_test', [v]));
    assert.is(un.code, 0, un.stderr);
  }
  await assertNoCanary('modules');
});

test('database names: psql and the snapshot script receive the name as one argument', async () => {
  for (const [i, v] of hostile.entries()) {
    const r = await session.exec(psqlModules('test', v));
    assert.is.not(r.code, 0);
    assert.match(r.stderr, 'does not exist');
    // Absent (read from pg_database, never from an error): a snapshot that notes it and dumps nothing.
    const d = await session.exec(snapshot({ instance: 'test', dir: `/var/lib/odoops/snapshots/test/injection-${i}`, database: v, withDatabase: true, keep: 20, attempts: 1 }));
    assert.is(d.code, 0, d.stderr);
    assert.match(d.stdout, /^ABSENT$/m);
  }
  await assertNoCanary('databases');
  // Those snapshots stopped odoo (as a snapshot that may be restored does): start it again.
  const up = await sandboxExec(info!, info!.servers[0]!.client, ['docker', 'compose', '-f', '/srv/odoo/test/compose.yaml', 'up', '-d']);
  assert.is(up.code, 0, up.stderr);
});

test('image names: docker pull and .env rewrite', async () => {
  for (const v of hostile) {
    const r = await session.exec(dockerPull(v));
    assert.is.not(r.code, 0);
  }
  // A newline would add a line to .env: refused; other values are written as one literal line.
  const before = (await sandboxExec(info!, info!.servers[0]!.client, ['cat', envFile('test')])).stdout;
  const edit = async (e: Parameters<typeof hostEdit>[0]) => session.exec(hostEdit(e));
  assert.is((await edit({ op: 'set-env', instance: 'test', key: 'ODOO_IMAGE', value: hostile[0]! })).code, 0);
  const env = (await sandboxExec(info!, info!.servers[0]!.client, ['cat', envFile('test')])).stdout;
  assert.ok(env.split('\n').includes(`ODOO_IMAGE=${hostile[0]}`));
  const refused = await edit({ op: 'set-env', instance: 'test', key: 'ODOO_IMAGE', value: hostile[5]! });
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /refusing the value of ODOO_IMAGE: it contains a non-printable or line-breaking character \(U\+000A\)/);
  // .env holds other lines too (DB_PASSWORD): put back the image line only.
  const image = before.split('\n').find((l) => l.startsWith('ODOO_IMAGE='))!.slice('ODOO_IMAGE='.length);
  assert.is((await edit({ op: 'set-env', instance: 'test', key: 'ODOO_IMAGE', value: image })).code, 0);
  assert.is((await edit({ op: 'set-conf', instance: 'test', values: { workers: hostile[2]! } })).code, 0);
  await assertNoCanary('images and config');
});

test('addons URLs and refs: checkout script and the probe (git ls-remote)', async () => {
  for (const v of hostile) {
    const r = await session.exec(addonsCheckout({ dir: addonsDir('test', 'injection'), url: v, ref: v, commit: null }));
    assert.is.not(r.code, 0);
  }
  const spec = clientSpec(info!, [
    instanceSpec(info!, 'test', {
      database: hostile[0]!,
      addons: hostile.map((v, i) => ({ name: `repo${i}`, url: v, ref: v })),
      options: { [hostile[1]!]: 'x' },
    }),
  ]);
  const live = await probeLive(session, spec);
  assert.ok(live.reachable);
  await assertNoCanary('addons');
});

test('journal lines are stored verbatim', async () => {
  const line = JSON.stringify({ detail: hostile.join(' ') });
  const r = await session.exec(journalAppend(line));
  assert.is(r.code, 0, r.stderr);
  const log = (await sandboxExec(info!, info!.servers[0]!.client, ['tail', '-n', '1', '/var/lib/odoops/journal.log'])).stdout;
  assert.is(log, `${line}\n`);
  await assertNoCanary('journal');
});

test.run();
