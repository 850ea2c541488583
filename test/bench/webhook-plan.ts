/**
 * Benchmark: webhook → plan comment latency for a one-client change in a config repo of
 * N clients (default 1,000; issue 10's target < 2 s). The operator is startMrOperator, as
 * `odoops serve` runs it, against a local fake GitLab over HTTP; the changed client is a
 * sandbox server (real sshd, PostgreSQL, stand-ins: the plan probes it); the N - 1 others are
 * generated (test/bench/lib/config-repo.ts) and never contacted, as in a real MR touching one
 * client. The config repo is a bare git repository the operator mirrors (file:// URL).
 *
 * Per run: commit a change to the client's file, push it, POST the "update" webhook and take
 * the time until the plan comment for that commit is on the forge (the queue idle). The
 * first run (MR opened, the operator's mirror cold) is reported apart from the following ones
 * (MR updated, mirror warm). CPU is the bench process' (operator + fake forge, one process).
 * Run: node --import tsx test/bench/webhook-plan.ts [clients]   (ODOOPS_BENCH_RUNS, default 5). Needs root.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDesiredState } from '../../operator/desired/load.ts';
import { createForge } from '../../operator/forge/index.ts';
import { startMrOperator } from '../../operator/server/mr/index.ts';
import { Hooks } from '../e2e/mr-hooks.ts';
import { startFakeForge } from '../forge/fake/index.ts';
import { captureLog } from '../server/helpers.ts';
import { editYaml, gitIn as git } from '../util/config-edit.ts';
import { startSandbox, stopSandbox } from '../util/sandbox.ts';
import { clientName, clientYaml } from './lib/config-repo.ts';
import { machine, spread, table, writeJson } from './lib/stats.ts';

const SECRET = 'bench-hook-secret-3f9e1c';
const clients = Number(process.argv[2] ?? 1000);
const runs = Number(process.env.ODOOPS_BENCH_RUNS ?? 5);
if (!(clients >= 1) || !(runs >= 1)) throw new Error('usage: webhook-plan.ts [clients >= 1]; ODOOPS_BENCH_RUNS >= 1');


const info = await startSandbox(1);
const base = mkdtempSync(path.join(os.tmpdir(), 'odoops-bench-hook-'));
const fake = await startFakeForge({ platform: 'gitlab' });
let stop: (() => Promise<void>) | undefined;
try {
  const lead = fake.addUser('lead', { role: 'maintain' });
  const work = path.join(base, 'work');
  git(base, 'clone', '-q', info.repoDir, work);
  // N - 1 generated clients next to the sandbox's one, and the forge the operator answers.
  for (let i = 1; i < clients; i++) writeFileSync(path.join(work, 'clients', `${clientName(i)}.yaml`), clientYaml(i));
  editYaml(path.join(work, 'fleet.yaml'), (doc) => {
    doc.setIn(['operator', 'forge'], doc.createNode({ kind: 'gitlab', url: fake.url, project: fake.project, token: 'env:BENCH_FORGE_TOKEN', webhookSecret: 'env:BENCH_HOOK_SECRET' }));
  });
  git(work, 'add', '-A');
  git(work, 'commit', '-qm', `${clients - 1} generated clients, forge`);
  const remote = path.join(base, 'config.git');
  git(base, 'clone', '-q', '--bare', work, remote);
  git(work, 'remote', 'set-url', 'origin', remote);
  const mainSha = git(work, 'rev-parse', 'HEAD');
  process.env.BENCH_FORGE_TOKEN = fake.botToken;
  process.env.BENCH_HOOK_SECRET = SECRET;
  process.env.XDG_CACHE_HOME = path.join(base, 'cache'); // the operator's mirror

  const remoteUrl = `file://${remote}`;
  const desired = await loadDesiredState({ repo: remoteUrl });
  if (desired.clients.length !== clients) throw new Error(`the config repo has ${desired.clients.length} clients, not ${clients}`);
  const client = info.servers[0]!.client;
  const op = await startMrOperator({
    listen: { host: '127.0.0.1', port: 0 },
    stateDir: path.join(base, 'state'),
    concurrency: 2,
    intervalMs: 3_600_000,
    autoTick: false,
    log: captureLog(new Set([SECRET, fake.botToken])).log,
    repo: remoteUrl,
    forge: createForge(desired.fleet.operator.forge!),
    webhookSecret: SECRET,
    settings: { ssh: { privateKeyPath: info.privateKeyPath, readyTimeoutMs: 15_000 }, concurrency: 4 },
  });
  stop = () => op.stop();
  const hooks = new Hooks(op.url, fake, SECRET);
  const file = path.join(work, 'clients', `${client}.yaml`);
  const branch = 'bench-one-client';
  git(work, 'checkout', '-qb', branch);

  interface Sample { kind: 'opened' | 'updated'; latencyMs: number; cpuMs: number }
  const samples: Sample[] = [];
  let previous: string | undefined;
  let mrNumber = 0;
  for (let run = 0; run <= runs; run++) {
    editYaml(file, (doc) => doc.setIn(['instances', 'test', 'options', 'workers'], 3 + run));
    git(work, 'commit', '-qam', `workers ${3 + run} on test`);
    const head = git(work, 'rev-parse', 'HEAD');
    git(work, 'push', '-q', 'origin', branch);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let answer;
    if (!previous) {
      const mr = fake.seedMergeRequest({ author: lead, sourceBranch: branch, headSha: head, targetSha: mainSha, files: [{ path: `clients/${client}.yaml`, status: 'modified' }] });
      mrNumber = mr.number;
      answer = await hooks.mergeRequest('opened', { number: mrNumber, sourceBranch: branch, targetBranch: 'main', headSha: head }, lead);
    } else {
      fake.pushCommits(mrNumber, head);
      answer = await hooks.mergeRequest('new-commits', { number: mrNumber, sourceBranch: branch, targetBranch: 'main', headSha: head }, lead, { previousHeadSha: previous });
    }
    if (answer.status !== 202) throw new Error(`the webhook was answered ${answer.status}`);
    await op.queue.idle();
    const latencyMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const plan = fake.comments(mrNumber).find((c) => c.authorId === fake.bot.id && c.body.includes(`**odoops plan** at \`${head.slice(0, 12)}\``));
    if (!plan) throw new Error(`no plan comment for ${head.slice(0, 12)} after the queue went idle`);
    if (!plan.body.includes(`| ${client} | test |`)) throw new Error(`the plan comment does not show ${client}/test:\n${plan.body}`);
    samples.push({ kind: previous ? 'updated' : 'opened', latencyMs, cpuMs: (cpu.user + cpu.system) / 1000 });
    previous = head;
  }

  const rows = (['opened', 'updated'] as const).map((kind) => {
    const s = samples.filter((x) => x.kind === kind);
    return { kind, runs: s.length, latencyMs: spread(s.map((x) => x.latencyMs)), cpuMs: spread(s.map((x) => x.cpuMs)) };
  });
  const f = (n: number) => n.toFixed(0);
  console.log(
    table(
      ['webhook', 'clients', 'runs', 'latency min', 'median', 'max (ms)', 'CPU median (ms)'],
      rows.map((r) => [r.kind === 'opened' ? 'MR opened (cold mirror)' : 'MR updated', String(clients), String(r.runs), f(r.latencyMs.min), f(r.latencyMs.median), f(r.latencyMs.max), f(r.cpuMs.median)]),
    ),
  );
  console.log(`written ${writeJson('webhook-plan', { machine: machine(), clients, rows })}`);
} finally {
  await stop?.();
  await fake.close();
  await stopSandbox(info);
  rmSync(base, { recursive: true, force: true });
}
