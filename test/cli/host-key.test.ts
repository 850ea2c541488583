/**
 * Through the real CLI on the sandbox: a server whose SSH host key is not the pinned one is
 * its own outcome (not "unreachable"), its own line and count in plan, drift and apply, and
 * a non-zero exit; and progress on a non-terminal: failures only, one line per step with
 * --verbose, nothing with --quiet.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sandboxExec, sandboxFault } from '../../operator/sandbox/index.ts';
import { commitAll, runOdoops } from '../util/cli.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';

const hk = suite<{ info?: SandboxInfo }>('host key mismatch and progress through the CLI');



const commit = commitAll;
const odoops = (info: SandboxInfo, args: string[]) => runOdoops(info, [...args, '--repo', info.repoDir]);

/** Pins another server's key in CLIENT's file (as after a reinstall, or a man in the middle). */
function pinWrongKey(info: SandboxInfo, client: string): () => void {
  const file = path.join(info.repoDir, 'clients', `${client}.yaml`);
  const original = readFileSync(file, 'utf8');
  const real = info.servers.find((s) => s.client === client)!.hostKey;
  const other = info.servers.find((s) => s.client !== client)!.hostKey;
  writeFileSync(file, original.replace(real, other));
  commit(info.repoDir, `${client}: wrong host key`);
  return () => {
    writeFileSync(file, original);
    commit(info.repoDir, `${client}: host key restored`);
  };
}

hk.before(async (ctx) => {
  ctx.info = await startSandbox(2);
});

hk.after(async (ctx) => {
  await stopSandbox(ctx.info);
});

hk('plan, drift and apply: a host key mismatch has its own line and count, exit 1, nothing touched', async ({ info }) => {
  const restore = pinWrongKey(info!, 'boreal');
  try {
    const json = await odoops(info!, ['plan', '--json']);
    assert.is(json.code, 1, json.stderr);
    const plans = (JSON.parse(json.stdout) as { clients: { client: string; unreachable?: { code: string } }[] }).clients;
    assert.is(plans.find((p) => p.client === 'boreal')!.unreachable?.code, 'host-key-mismatch');
    assert.is(plans.find((p) => p.client === 'acme')!.unreachable, undefined, 'acme is read');

    const plan = await odoops(info!, ['plan']);
    assert.is(plan.code, 1, 'non-zero without --detailed-exitcode too');
    assert.match(plan.stdout, /^\? boreal {2}host key mismatch: .*someone may be intercepting the connection/m);
    const summary = plan.stdout.trim().split('\n').at(-1)!;
    assert.match(summary, /, 1 server refused: host key mismatch/);
    assert.not.match(summary, /unreachable/, summary);

    const drift = await odoops(info!, ['drift']);
    assert.is(drift.code, 1);
    assert.match(drift.stdout, /Summary: .*1 server refused: host key mismatch/);
    assert.not.match(drift.stdout, /unreachable/);

    const apply = await odoops(info!, ['apply', '--client', 'boreal', '--ignore-windows']);
    assert.is(apply.code, 1);
    assert.match(apply.stdout, /^host key {4}boreal: host key mismatch for boreal .*check its key before pinning a new one\)$/m);
    assert.match(apply.stdout, /Summary: 1 server refused: host key mismatch$/m);
    assert.not.match(apply.stdout, /client error/);
    const state = await sandboxExec(info!, 'boreal', ['test', '-e', '/var/lib/odoops/state.json']);
    assert.is(state.code, 1, 'nothing recorded on boreal');
  } finally {
    restore();
  }
});

hk('an unreachable server and a host key mismatch are counted apart', async ({ info }) => {
  const restore = pinWrongKey(info!, 'acme');
  await sandboxFault({ dir: info!.dir, client: 'boreal', fault: 'link-down' });
  try {
    const plan = await odoops(info!, ['plan', '--connect-timeout', '2', '--detailed-exitcode']);
    assert.is(plan.code, 1);
    assert.match(plan.stdout, /^\? acme {2}host key mismatch: /m);
    assert.match(plan.stdout, /^\? boreal {2}unreachable: /m);
    assert.match(plan.stdout, /Summary: nothing to change, 1 server unreachable, 1 server refused: host key mismatch$/m);
  } finally {
    await sandboxFault({ dir: info!.dir, client: 'boreal', fault: 'link-up' });
    restore();
  }
});

hk('progress on a non-terminal: failures only by default, a line per step with --verbose, none with --quiet', async ({ info }) => {
  const restore = pinWrongKey(info!, 'boreal');
  try {
    const plain = await odoops(info!, ['plan']);
    const stepLines = (s: string) => s.split('\n').filter((l) => /^\d{4}-\d\d-\d\dT\S+ \S+ \S+ (ok|failed|info):/.test(l));
    assert.equal(stepLines(plain.stderr).map((l) => l.split(' ').slice(1, 4).join(' ')), ['boreal connect failed:'], plain.stderr);
    const verbose = await odoops(info!, ['plan', '--verbose']);
    const v = stepLines(verbose.stderr).map((l) => l.split(' ').slice(1, 4).join(' '));
    assert.ok(v.includes('acme probe ok:'), verbose.stderr);
    assert.ok(v.includes('boreal connect failed:'), verbose.stderr);
    assert.not.ok(verbose.stderr.includes(' start:'), 'no start lines');
    const quiet = await odoops(info!, ['plan', '--quiet']);
    assert.is(quiet.stderr, '', 'nothing on stderr');
    assert.match(quiet.stdout, /^Summary: /m, 'the result is still printed');
    const both = await odoops(info!, ['plan', '--quiet', '--verbose']);
    assert.is(both.code, 2);
  } finally {
    restore();
  }
});

hk.run();
