/**
 * The probe has no side effects (issue 7, item 15): `odoops drift` and `plan` create no
 * container and pull no image — the docker stand-in's event log proves it — and an image
 * named in .env but absent from the server is reported by drift, not pulled.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sandboxExec } from '../../operator/sandbox/index.ts';
import { runOdoops } from '../util/cli.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';

const test = suite('the probe is read-only');
let info: SandboxInfo;
const IMAGE = 'registry.example.com/odoo:17.0-20261101';

test.before(async () => {
  info = await startSandbox(1);
});
test.after(async () => {
  await stopSandbox(info);
});

const odoops = (args: string[]) => runOdoops(info, args);

interface Event { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> } }
const onServer = async (argv: string[]) => sandboxExec(info, 'acme', argv);
async function events(): Promise<Event[]> {
  const r = await onServer(['sh', '-c', 'cat /var/lib/docker-standin/events.jsonl 2>/dev/null; true']);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event);
}
const describeEvents = (es: Event[]) => es.map((e) => `${e.Type} ${e.Action} ${e.Actor.Attributes.name ?? e.Actor.ID}`);

test('drift and plan create no container and pull no image', async () => {
  const before = (await events()).length;
  assert.ok(before > 0, 'the stand-in logs what it does (provisioning created containers)');
  const drift = await odoops(['drift', '--repo', info.repoDir, '--json']);
  assert.ok(drift.code === 0, drift.stderr);
  const plan = await odoops(['plan', '--repo', info.repoDir, '--json']);
  assert.ok(plan.code === 0, plan.stderr);
  const during = (await events()).slice(before);
  assert.equal(describeEvents(during), [], 'nothing happened in the docker engine');
  // The series still comes through: from the image's metadata.
  const plans = (JSON.parse(plan.stdout) as { clients: { instances: { instance: string; blocked?: { code: string } }[] }[] }).clients;
  assert.ok(plans[0]!.instances.every((i) => i.blocked?.code !== 'series-unknown'), plan.stdout);
});

test('an image named in .env but absent from the server is reported by drift; the probe never pulls it, apply does', async () => {
  const rm = await onServer(['docker', 'image', 'rm', '-f', IMAGE]);
  assert.is(rm.code, 0, rm.stderr);
  const before = (await events()).length;
  const drift = await odoops(['drift', '--repo', info.repoDir, '--json', '--detailed-exitcode']);
  // The sandbox server was never applied by odoops: its differences are pending, not drift (exit 0).
  assert.is(drift.code, 0, drift.stdout + drift.stderr);
  type Diff = { path: string; reason: string };
  const report = JSON.parse(drift.stdout) as { clients: { instances: { instance: string; drift: Diff[]; pending?: { changes: Diff[] } }[] }[] };
  const changes = report.clients[0]!.instances.flatMap((i) => [...i.drift, ...(i.pending?.changes ?? [])].map((c) => `${i.instance} ${c.path}: ${c.reason}`));
  assert.ok(changes.includes('test imagePresent: image not on the server (apply pulls it; the probe never does)'), changes.join('\n'));
  assert.equal(describeEvents((await events()).slice(before)), [], 'no pull, no container');
  assert.is((await onServer(['docker', 'image', 'inspect', IMAGE])).code, 1, 'still absent after drift');

  const apply = await odoops(['apply', '--repo', info.repoDir, '--ignore-windows', '--json']);
  assert.is(apply.code, 0, apply.stdout + apply.stderr);
  assert.ok(describeEvents((await events()).slice(before)).includes(`image pull ${IMAGE}`), 'apply pulled it');
  assert.is((await onServer(['docker', 'image', 'inspect', IMAGE])).code, 0);
});

test.run();
