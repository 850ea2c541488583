/**
 * Managed files on a server with its own Debian root (`sandbox up --rootfs`), where the
 * sshd odoops talks to is the root's own sshd reading the root's /etc/ssh (with the
 * `Include /etc/ssh/sshd_config.d/*.conf` Debian and Ubuntu ship): the baseline sshd drop-in
 * is written and validated by that root's `sshd -t`, and a broken rendering is refused with
 * the previous file back, the server still reachable. Nothing under the machine's /etc/ssh
 * is touched. (The sibling test, sandbox.test.ts, runs every unit on the per-server
 * copy-on-write /etc with the machine's binaries.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { newRunId, tryLock } from '../../operator/apply/lock.ts';
import { loadDesiredState } from '../../operator/desired/load.ts';
import type { ClientSpec, DesiredState } from '../../operator/desired/types.ts';
import { connectSsh } from '../../operator/live/ssh.ts';
import { applyObservedManaged, observeManaged } from '../../operator/managed/index.ts';
import { MANAGED_ENTRIES, type ManagedEntry } from '../../operator/managed/registry.ts';
import { rendering } from '../../operator/render/digest.ts';
import { SSHD_DROPIN, SSHD_VALIDATE } from '../../operator/render/sshd.ts';
import { sandboxDown, sandboxExec, sandboxUp, type SandboxInfo } from '../../operator/sandbox/index.ts';

const t = suite('managed files on a server with its own Debian root');

let info: SandboxInfo | undefined;
let desired: DesiredState;
let client: ClientSpec;
let machineSsh = '';
const ssh = () => ({ privateKeyPath: info!.privateKeyPath, readyTimeoutMs: 10_000 });
const root = () => info!.servers[0]!.rootfs!;

/** The machine's own /etc/ssh: names, modes and contents. */
function machineSshDigest(): string {
  const r = spawnSync('sh', ['-c', 'find /etc/ssh -xdev -printf "%p %m %s\\n" | sort; find /etc/ssh -xdev -type f -exec sha256sum {} + | sort'], { encoding: 'utf8' });
  return createHash('sha256').update(r.stdout).digest('hex');
}

async function inRoot(script: string): Promise<string> {
  const r = await sandboxExec(info!, client.name, ['sh', '-c', script], { timeoutMs: 60_000 });
  assert.is(r.code, 0, `${script}: ${r.stderr}`);
  return r.stdout;
}

/** A managed apply of `entries` under the server lock, as reconcile runs it. */
async function applyEntries(entries: ManagedEntry[]) {
  const session = await connectSsh(client.name, client.server, ssh());
  const runId = newRunId();
  const lock = await tryLock(session, client.name, { runId });
  assert.ok(lock.acquired);
  try {
    const state = await observeManaged(session, client, desired.fleet, { entries });
    const result = await applyObservedManaged(session, state, { runId, reconnectWithinMs: 30_000, reconnect: () => connectSsh(client.name, client.server, ssh()) });
    return { state, result };
  } finally {
    await lock.release();
    await session.close();
  }
}

const sshdEntry = MANAGED_ENTRIES.find((e) => e.unit === 'baseline/sshd')!;
// The root has no init: its systemctl is the sandbox's reboot stand-in, so no reload here; the
// root's sshd reads the drop-in for every new connection it accepts anyway (sshd re-execs).
const sshdWithoutReload: ManagedEntry = { ...sshdEntry, activate: () => [] };

t.before(async () => {
  machineSsh = machineSshDigest();
  info = await sandboxUp({ clients: 1, dir: await mkdtemp(path.join(os.tmpdir(), 'odoops-sandbox-')), rootfs: true });
  desired = await loadDesiredState({ repo: info.repoDir });
  const { backups: _backups, ...base } = desired.clients[0]!;
  client = base;
});

t.after(async () => {
  if (info) await sandboxDown({ dir: info.dir });
});

t('the baseline sshd drop-in is written into the root, validated by the root\'s sshd -t, confirmed over a new connection', async () => {
  const { state, result } = await applyEntries([sshdWithoutReload]);
  assert.equal(state.plan.actions.map((a) => a.unit), ['baseline/sshd'], 'missing on a fresh root: one action');
  assert.equal(result.actions.map((a) => [a.unit, a.outcome]), [['baseline/sshd', 'applied']], JSON.stringify(result));
  assert.ok(result.actions[0]!.steps.includes('confirmed over a new SSH connection'), result.actions[0]!.steps.join(', '));
  const written = await readFile(path.join(root(), SSHD_DROPIN), 'utf8');
  assert.match(written, /^PasswordAuthentication no$/m);
  // (The root's own sshd_config says the same: that the drop-in is read at all is shown by the refusal below.)
  assert.match(await inRoot('sshd -T -C user=root,host=x,addr=127.0.0.1 | grep -i "^passwordauthentication"'), /passwordauthentication no/);
  const again = await applyEntries([sshdWithoutReload]);
  assert.equal(again.state.plan.drift, [], 'in sync after the apply');
});

t('a broken sshd rendering is refused by the root\'s sshd -t: the previous drop-in is back, SSH still works', async () => {
  const before = await readFile(path.join(root(), SSHD_DROPIN), 'utf8');
  const broken: ManagedEntry = {
    ...sshdWithoutReload,
    render: () => rendering('broken sshd', [{ path: SSHD_DROPIN, content: 'PasswordAuthentication no\nNoSuchKeyword yes\n', mode: 0o644 }], [SSHD_VALIDATE]),
  };
  const { result } = await applyEntries([broken]);
  assert.is(result.actions[0]!.outcome, 'refused', JSON.stringify(result));
  assert.match(result.actions[0]!.detail!, /sshd configuration refused the new files: exit 255.*NoSuchKeyword.*the previous files are back/s);
  assert.is(await readFile(path.join(root(), SSHD_DROPIN), 'utf8'), before);
  const fresh = await connectSsh(client.name, client.server, ssh());
  await fresh.close();
});

t('the machine\'s own /etc/ssh was not touched', () => {
  assert.is(machineSshDigest(), machineSsh);
});

t.run();
