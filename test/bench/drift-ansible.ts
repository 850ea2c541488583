/**
 * Benchmark: `odoops drift` against Ansible reading the same facts, over N sandbox servers.
 * Three tools, runs interleaved (A, B, C, A, B, C, ...) so load changes hit them alike, each a
 * whole process tree (test/bench/lib/tree.ts: wall, CPU of every process, peak of the summed
 * RSS):
 *   A  `odoops drift --json --concurrency C` (C = min(20, N));
 *   B  `ansible-playbook` running odoops' own probe (gather_facts off, pipelining, forks C):
 *      the commands drift runs on each server, taken from the product (lib/drift-commands.ts),
 *      with their argv and stdin (test/bench/ansible/probe.yml);
 *   C  Ansible written the usual way: fact gathering, one task per read (test/bench/ansible/usual.yml); only up to ODOOPS_BENCH_USUAL_MAX servers
 *      (default 30): it takes minutes per run.
 * Host keys pinned for both (odoops: the config repo's fingerprints; Ansible: the sandbox's
 * known_hosts, StrictHostKeyChecking=yes), same private key. Every file Ansible writes is in
 * a temp dir of the bench (HOME, local and remote temp, ControlPath). Debian's ansible-core is
 * installed with apt-get when missing.
 * Run: node --import tsx test/bench/drift-ansible.ts [N...]   (default 10 30; 60, 100 possible)
 *   ODOOPS_BENCH_RUNS (default 3), ODOOPS_BENCH_BUDGET_S (default twice the estimate printed).
 * Needs root (the sandbox).
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDesiredState } from '../../operator/desired/load.ts';
import { sandboxDown, upSandbox, type SandboxInfo } from '../../operator/sandbox/index.ts';
import { ensureAnsible, ANSIBLE_PLAYBOOK } from './lib/ansible-install.ts';
import { ansibleCfg, commandStep, knownHostsFor, probeInventory, usualInventory, type AnsibleHost } from './lib/ansible.ts';
import { driftCommands } from './lib/drift-commands.ts';
import { machine, spread, table, writeJson, type Spread } from './lib/stats.ts';
import { runTree, type TreeSample } from './lib/tree.ts';
import { summarize, TOOLS, type Size, type Tool } from './lib/drift-summary.ts';

const bin = fileURLToPath(new URL('../../bin/odoops.mjs', import.meta.url));
const playbooks = fileURLToPath(new URL('./ansible/', import.meta.url));
const runs = Number(process.env.ODOOPS_BENCH_RUNS ?? 3);
const usualMax = Number(process.env.ODOOPS_BENCH_USUAL_MAX ?? 30);
const MAX_CONCURRENCY = 20;
const argSizes = process.argv.slice(2).map(Number).filter((x) => Number.isInteger(x) && x > 0);
const sizes = argSizes.length ? argSizes : [10, 30];

const TOOL_TITLE: Record<Tool, string> = { odoops: 'A odoops drift', 'ansible-probe': "B Ansible, odoops' probe", 'ansible-usual': 'C Ansible, usual playbook' };

// --- time budget: wall of each step seen on the sandbox of this shared 2-core machine at a load
// average of about 25 (seconds; a usual-playbook module call costs about 2 s of wall there).
// Before each run, the next run's expected wall (its median so far at this size, else this
// estimate) must end within the budget, or no further run starts. ---
const estimateS = {
  up: (n: number) => 15 + 11.5 * n,
  down: (n: number) => 5 + 0.5 * n,
  odoops: (n: number) => 5 + 1.3 * n,
  'ansible-probe': (n: number) => 25 + 3 * n,
  'ansible-usual': (n: number) => 40 + 43 * n,
};
const usualAt = (n: number) => n <= usualMax;
function estimateFor(n: number): number {
  const perRound = estimateS.odoops(n) + estimateS['ansible-probe'](n) + (usualAt(n) ? estimateS['ansible-usual'](n) : 0);
  // + a warm-up run of A and B
  return estimateS.up(n) + estimateS.down(n) + runs * perRound + estimateS.odoops(n) + estimateS['ansible-probe'](n);
}
const estimate = sizes.reduce((s, n) => s + estimateFor(n), 0);
const budgetS = Number(process.env.ODOOPS_BENCH_BUDGET_S ?? Math.ceil(estimate * 1.25));
const started = Date.now();
const loadAtStart = os.loadavg().map((x) => Number(x.toFixed(2)));
const elapsedS = () => (Date.now() - started) / 1000;
const fmtMin = (s: number) => `${(s / 60).toFixed(1)} min`;

console.log(`drift vs Ansible over ${sizes.join(', ')} sandbox servers, ${runs} run(s) of each tool per size (usual playbook up to ${usualMax} servers)`);
console.log(`time budget: about ${fmtMin(estimate)} estimated (${sizes.map((n) => `${n} servers ~${fmtMin(estimateFor(n))}`).join(', ')}); no run starts that would end after ${fmtMin(budgetS)} (ODOOPS_BENCH_BUDGET_S=${budgetS})`);
const ansibleVersion = ensureAnsible();
console.log(`${ansibleVersion}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

// --- one sandbox: the three commands ---
interface Prepared {
  run(tool: Tool): Promise<TreeSample>;
}

const hostsOf = (info: SandboxInfo): AnsibleHost[] => info.servers.map((s) => ({ name: s.client, address: s.host, port: s.port, user: s.user }));

async function prepare(info: SandboxInfo, work: string, concurrency: number): Promise<Prepared> {
  const desired = await loadDesiredState({ repo: info.repoDir });
  const hosts = hostsOf(info);
  const specs = new Map(desired.clients.map((c) => [c.name, c]));
  for (const h of hosts) if (!specs.has(h.name)) throw new Error(`sandbox server ${h.name} has no client file in ${info.repoDir}`);
  const knownHosts = path.join(work, 'known_hosts');
  await writeFile(knownHosts, knownHostsFor(await readFile(info.knownHostsPath, 'utf8'), hosts));

  const steps = await Promise.all(hosts.map(async (host) => {
    const c = await driftCommands(specs.get(host.name)!);
    return { host, steps: [commandStep(c.probe, true), ...c.others.map((o) => commandStep(o, false))] };
  }));
  const usual = hosts.map((host) => ({
    host,
    instances: specs.get(host.name)!.instances.map((i) => ({ name: i.name, database: i.database, image: i.image, addons: i.addons.map((a) => ({ name: a.name, url: a.url, ref: a.ref })) })),
  }));
  const home = path.join(work, 'home');
  const dirs = { localTemp: path.join(work, 'local-tmp'), remoteTemp: path.join(work, 'remote-tmp'), controlPathDir: path.join(work, 'cp') };
  await Promise.all([home, ...Object.values(dirs)].map((d) => mkdir(d, { recursive: true, mode: 0o700 })));
  const common = { forks: concurrency, privateKeyPath: info.privateKeyPath, knownHostsPath: knownHosts, connectTimeoutS: 10, callbackPlugins: path.join(playbooks, 'callback_plugins'), ...dirs };
  await writeFile(path.join(work, 'probe-inventory.yml'), probeInventory(steps), { mode: 0o600 });
  await writeFile(path.join(work, 'usual-inventory.yml'), usualInventory(usual), { mode: 0o600 });
  // Play B fixes the interpreter (no discovery round trip: the tuned setting); play C keeps Ansible's default discovery.
  await writeFile(path.join(work, 'probe.cfg'), ansibleCfg({ ...common, inventory: path.join(work, 'probe-inventory.yml'), interpreter: '/usr/bin/python3' }));
  await writeFile(path.join(work, 'usual.cfg'), ansibleCfg({ ...common, inventory: path.join(work, 'usual-inventory.yml'), interpreter: 'auto_silent' }));
  const ansibleEnv = (cfg: string): NodeJS.ProcessEnv => ({
    ANSIBLE_CONFIG: path.join(work, cfg), HOME: home, ANSIBLE_LOCAL_TEMP: dirs.localTemp, ANSIBLE_SSH_CONTROL_PATH_DIR: dirs.controlPathDir, ANSIBLE_FORCE_COLOR: '0', PYTHONDONTWRITEBYTECODE: '1',
  });

  return {
    async run(tool) {
      switch (tool) {
        case 'odoops': {
          const r = await runTree([process.execPath, bin, 'drift', '--repo', info.repoDir, '--json', '--quiet', '--concurrency', String(concurrency)], { env: { ODOOPS_SSH_KEY: info.privateKeyPath } });
          checkOdoops(r, hosts);
          return r;
        }
        case 'ansible-probe': {
          const r = await runTree([ANSIBLE_PLAYBOOK, path.join(playbooks, 'probe.yml')], { env: ansibleEnv('probe.cfg'), cwd: work });
          checkAnsible(r, hosts, 'the commands odoops runs on the server', (res) => {
            const probe = JSON.parse(String(res.results?.[0]?.stdout ?? '')) as { instances?: Record<string, unknown> };
            if (!probe.instances || Object.keys(probe.instances).length === 0) throw new Error('the probe read no instance');
          });
          return r;
        }
        case 'ansible-usual': {
          const r = await runTree([ANSIBLE_PLAYBOOK, path.join(playbooks, 'usual.yml')], { env: ansibleEnv('usual.cfg'), cwd: work });
          checkAnsible(r, hosts, 'installed modules (ir_module_module)', (res) => {
            if (!res.results?.length || res.results.some((x) => x.rc !== 0 || !String(x.stdout ?? '').includes('\t'))) throw new Error('ir_module_module not read for every instance');
          });
          return r;
        }
      }
    },
  };
}

/** odoops exits 0 (drift without --detailed-exitcode) and read every server. */
function checkOdoops(r: TreeSample, hosts: AnsibleHost[]): void {
  if (r.code !== 0) throw new Error(`odoops drift exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const out = JSON.parse(r.stdout) as { counts?: { clients: number; unreachable: number } };
  if (out.counts?.clients !== hosts.length || out.counts.unreachable !== 0) throw new Error(`odoops drift read ${out.counts?.clients} clients, ${out.counts?.unreachable} unreachable (expected ${hosts.length}, 0)`);
}

interface AnsibleResult { rc?: number; stdout?: string; results?: AnsibleResult[]; failed?: boolean; unreachable?: boolean }
interface AnsibleJson {
  plays: { tasks: { task: { name: string }; hosts: Record<string, AnsibleResult> }[] }[];
  stats: Record<string, { failures: number; unreachable: number; ok: number }>;
}

/** ansible-playbook exits 0, every host ok and nothing failed or unreachable; `check` looks at one task's result per host. */
function checkAnsible(r: TreeSample, hosts: AnsibleHost[], task: string, check: (res: AnsibleResult) => void): void {
  let out: AnsibleJson;
  try {
    out = JSON.parse(r.stdout) as AnsibleJson;
  } catch {
    throw new Error(`ansible-playbook exited ${r.code} without its JSON result: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  }
  const bad = hosts.filter((h) => !out.stats[h.name] || out.stats[h.name]!.failures > 0 || out.stats[h.name]!.unreachable > 0);
  if (r.code !== 0 || bad.length) {
    const first = out.plays.flatMap((p) => p.tasks).flatMap((t) => Object.entries(t.hosts).filter(([, x]) => x.failed || x.unreachable).map(([h, x]) => `${h}: ${t.task.name}: ${JSON.stringify(x).slice(0, 400)}`))[0];
    throw new Error(`ansible-playbook exited ${r.code}; hosts failed or unreachable: ${bad.map((h) => h.name).join(', ') || 'none'}; ${first ?? r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  const t = out.plays.flatMap((p) => p.tasks).find((x) => x.task.name === task);
  if (!t) throw new Error(`ansible-playbook output has no task "${task}"`);
  for (const h of hosts) {
    const res = t.hosts[h.name];
    if (!res) throw new Error(`task "${task}" did not run on ${h.name}`);
    try {
      check(res);
    } catch (err) {
      throw new Error(`task "${task}" on ${h.name}: ${(err as Error).message}`);
    }
  }
}

// --- the runs ---
const done: Size[] = [];
let stopped: string | null = null;

/** Expected wall of a run: the median so far of this tool at this size, else the estimate. */
function expectedS(t: Tool, size: Size): number {
  const v = size.samples[t];
  return v.length ? spread(v.map((r) => r.wallMs)).median / 1000 : estimateS[t](size.servers);
}

/** The JSON, rewritten after every run: an interrupted bench leaves what it measured (`complete: false`). */
function save(complete: boolean): string {
  return writeJson('drift-ansible', {
    bench: 'drift-ansible', complete, runs, sizes, usualMax, ansible: ansibleVersion, maxConcurrency: MAX_CONCURRENCY,
    machine: machine(), elapsedS: Math.round(elapsedS()), budgetS, estimateS: Math.round(estimate), stoppedEarly: stopped,
    sandboxUpS: done.map((s) => ({ servers: s.servers, seconds: Number(s.sandboxUpS.toFixed(1)) })),
    loadAverageAtStart: loadAtStart, ...summarize(done),
    samples: done.flatMap((s) => TOOLS.flatMap((t) => s.samples[t].map((r, i) => ({
      servers: s.servers, tool: t, round: i + 1, wallMs: Math.round(r.wallMs), cpuMs: Math.round(r.cpuMs), peakTreeRssMb: Math.round(r.peakTreeRssMb), peakProcesses: r.peakProcesses,
    })))),
  });
}

for (const n of sizes) {
  const upS = estimateS.up(n);
  if (elapsedS() + upS > budgetS) {
    stopped = `time budget: ${n} servers would not even be up (~${fmtMin(upS)}) before ${fmtMin(budgetS)} (at ${fmtMin(elapsedS())})`;
    console.log(`stopping: ${stopped}`);
    break;
  }
  const concurrency = Math.min(MAX_CONCURRENCY, n);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'odoops-bench-drift-sandbox-'));
  const work = await mkdtemp(path.join(os.tmpdir(), 'odoops-bench-drift-ansible-'));
  const size: Size = { servers: n, concurrency, samples: { odoops: [], 'ansible-probe': [], 'ansible-usual': [] }, sandboxUpS: 0 };
  try {
    const up = await upSandbox({ clients: n, dir });
    size.sandboxUpS = up.seconds;
    done.push(size);
    console.log(`\n${n} servers up in ${up.seconds.toFixed(0)} s; concurrency/forks ${concurrency}`);
    const p = await prepare(up.info, work, concurrency);
    const tools = TOOLS.filter((t) => t !== 'ansible-usual' || usualAt(n));
    // Warm-up (not counted): first connections, page cache, the compile cache of odoops.
    for (const t of tools.filter((x) => x !== 'ansible-usual')) await p.run(t);
    rounds: for (let i = 0; i < runs; i++) {
      for (const t of tools) {
        // Checked before every run, so a round cut short still leaves its odoops/Ansible pairs.
        const next = expectedS(t, size);
        if (elapsedS() + next > budgetS) {
          stopped = `time budget: round ${i + 1} of ${TOOL_TITLE[t]} at ${n} servers (~${fmtMin(next)}) would end after ${fmtMin(budgetS)} (at ${fmtMin(elapsedS())})`;
          console.log(`stopping: ${stopped}`);
          break rounds;
        }
        const r = await p.run(t);
        size.samples[t].push(r);
        save(false);
        console.log(`  round ${i + 1} ${TOOL_TITLE[t].padEnd(26)} wall ${(r.wallMs / 1000).toFixed(1)} s, CPU ${(r.cpuMs / 1000).toFixed(2)} s, tree ${r.peakTreeRssMb.toFixed(0)} MB (${r.peakProcesses} processes)`);
      }
    }
  } finally {
    await sandboxDown({ dir });
    await rm(work, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }
  if (stopped) break;
}

const { rows, ratios, perAddedServer } = summarize(done);
const sec = (ms: number) => (ms / 1000).toFixed(2);
const x = (s: Spread) => `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
console.log(`\n${table(
  ['servers', 'tool', 'runs', 'wall min (s)', 'median', 'max', 'CPU min (s)', 'median', 'max', 'tree RSS peak (MB)', 'processes'],
  rows.map((r) => [String(r.servers), TOOL_TITLE[r.tool], String(r.runs), sec(r.wallMs.min), sec(r.wallMs.median), sec(r.wallMs.max), sec(r.cpuMs.min), sec(r.cpuMs.median), sec(r.cpuMs.max), r.peakTreeRssMb.max.toFixed(0), String(r.peakProcesses)]),
)}`);
if (ratios.length) {
  console.log(`\nAnsible / odoops, per interleaved pair (median (min–max)):\n${table(
    ['servers', 'tool', 'pairs', 'wall', 'CPU', 'tree memory'],
    ratios.map((r) => [String(r.servers), TOOL_TITLE[r.tool], String(r.pairs), x(r.wall), x(r.cpu), x(r.treeMemory)]),
  )}`);
}
if (perAddedServer.length) {
  console.log(`\nper added server (difference of medians):\n${table(
    ['tool', 'servers', 'CPU (ms)', 'wall (ms)'],
    perAddedServer.map((r) => [TOOL_TITLE[r.tool], `${r.from} → ${r.to}`, r.cpuMsPerServer.toFixed(0), r.wallMsPerServer.toFixed(0)]),
  )}`);
}
if (stopped) console.log(`\nstopped early: ${stopped}`);
const file = save(true);
console.log(`\n${fmtMin(elapsedS())} in all; JSON: ${file}`);
if (!rows.length) process.exitCode = 1;
