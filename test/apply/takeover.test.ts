/**
 * A real `odoops apply` killed with SIGKILL in the middle of its pre-change snapshot (issue 7,
 * item 3): the next run must not work next to the dead run's commands, and it must deal with
 * what the dead run left before it changes anything.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, type YAMLSeq } from 'yaml';
import { loadDesiredState } from '../../operator/desired/load.ts';
import { reconcile } from '../../operator/reconcile/index.ts';
import { commitAll } from '../util/cli.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';
import { onServer, processes, sql, startOnServer, waitFor, PSQL, type ServerProcess } from './server.ts';

const bin = fileURLToPath(new URL('../../bin/odoops.mjs', import.meta.url));
const test = suite('takeover after a killed run');
let info: SandboxInfo;

test.before(async () => {
  info = await startSandbox(1);
});
test.after(async () => {
  await stopSandbox(info);
});

function odoops(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> } {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ODOOPS_SSH_KEY: info.privateKeyPath } });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, done: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out }))) };
}

const commit = (message: string) => commitAll(info.repoDir, message);

/** pg_dump processes on the server, one line each (empty when none). */
const dumps = async () => (await processes(info, 'bin/pg_dump ')).join('\n');

test('SIGKILL mid-snapshot: the next run stops the dead run\'s dump before it goes on, and converges', async () => {
  const first = odoops(['apply', '--repo', info.repoDir, '--client', 'acme', '--ignore-windows']);
  const converged = await first.done;
  assert.is(converged.code, 0, converged.out);
  await sql(info, 'acme_prod', "CREATE TABLE canary (note text); INSERT INTO canary VALUES ('before')");

  // A session holding an exclusive lock makes production's pg_dump wait: the dead run's dump
  // is still there, blocked, when the next run starts.
  const locker: ServerProcess = await startOnServer(info, `${PSQL.join(' ')} -d acme_prod`);
  locker.child.stdin!.write('BEGIN;\nLOCK TABLE canary IN ACCESS EXCLUSIVE MODE;\nSELECT 1;\n');
  await waitFor('the table lock', async () => (locker.output().includes('1') ? true : undefined));

  const file = path.join(info.repoDir, 'clients', 'acme.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  (doc.getIn(['instances', 'production', 'modules']) as YAMLSeq).add('crm');
  writeFileSync(file, doc.toString());
  commit('acme: crm in production');

  const doomed = odoops(['apply', '--repo', info.repoDir, '--client', 'acme', '--ignore-windows']);
  await waitFor('the production pg_dump', async () => ((await dumps()).includes('acme_prod') ? true : undefined), 1200);
  doomed.child.kill('SIGKILL');
  assert.is((await doomed.done).signal, 'SIGKILL');

  const desired = await loadDesiredState({ repo: info.repoDir });
  const acme = desired.clients.find((c) => c.name === 'acme')!;
  let leftover: string | null = null;
  const events: string[] = [];
  const r = await reconcile(acme, desired.revision, {
    mode: 'apply',
    ignoreWindows: true,
    lockWaitMs: 60_000,
    ssh: { privateKeyPath: info.privateKeyPath },
    onProgress: async (e) => {
      events.push(`${e.instance ?? '-'} ${e.step} ${e.status}: ${e.message}`);
      if (e.instance === 'production' && e.status === 'start' && e.step === 'snapshot' && leftover === null) {
        leftover = await dumps();
        await locker.stop();
      }
    },
  });
  await locker.stop();
  assert.is(leftover, '', `no command of the dead run still runs when the next one takes its snapshot:\n${leftover}`);
  const prod = r.apply?.instances.find((i) => i.instance === 'production');
  assert.is(prod?.outcome, 'applied', JSON.stringify(r.apply, null, 1));
  assert.ok(events.some((l) => /took over a stale lock of run \S+/.test(l)), events.join('\n'));
  assert.is(await sql(info, 'acme_prod', "SELECT state FROM ir_module_module WHERE name = 'crm'"), 'installed');
  assert.is(await sql(info, 'acme_prod', 'SELECT note FROM canary'), 'before');
  // The dead run's half-written snapshot is gone; every snapshot left is complete.
  const incomplete = await onServer(info, 'for d in /var/lib/odoops/snapshots/*/*/; do [ -f "$d/complete" ] || echo "$d"; done; true');
  assert.is(incomplete.trim(), '');
  const journal = (await onServer(info, 'cat /var/lib/odoops/journal.log')).trim().split('\n').map((l) => JSON.parse(l) as { step: string; outcome: string; detail?: string });
  assert.ok(journal.some((j) => j.step === 'takeover' && /snapshot/.test(j.detail ?? '')), 'the takeover says what the dead run was doing');
});

test.run();
