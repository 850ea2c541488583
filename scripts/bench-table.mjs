#!/usr/bin/env node
/**
 * Writes README.md's performance table from the benchmarks' JSON (bench-results/*.json, written
 * by `npm run bench -- startup probe validate`), between the markers
 *   <!-- bench-table:start --> and <!-- bench-table:end -->.
 * A benchmark without its JSON gets a row saying so (never a stale figure).
 *   npm run bench:table            rewrite the table in README.md
 *   npm run bench:table -- --print print it instead
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = process.env.ODOOPS_BENCH_DIR ?? path.join(root, 'bench-results');
const readme = path.join(root, 'README.md');
const START = '<!-- bench-table:start -->';
const END = '<!-- bench-table:end -->';

function load(name) {
  const file = path.join(results, `${name}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

const ms = (n) => `${Math.round(n)} ms`;
const s = (n) => `${(n / 1000).toFixed(2)} s`;
const mb = (n) => `${Math.round(n)} MB`;
const ratio = (r) => `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
const met = (ok) => (ok ? 'met' : '**not met**');
const when = (b) => `${b.machine.date.slice(0, 10)}, load ${b.machine.loadAverage[0]}`;

const rows = [];
const missing = (what, command) => rows.push([what, `\`${command}\``, 'not measured (no JSON)', '', '']);

const startup = load('startup');
if (startup) {
  const by = Object.fromEntries(startup.rows.map((r) => [r.name, r]));
  const v = by['odoops --version'];
  if (v) rows.push(['CLI start-up, `odoops --version` (whole process, vs `node -e 0`)', '`npm run bench -- startup`', `CPU ${ratio(v.cpuRatio)}, wall ${ratio(v.wallRatio)}, ${mb(v.peakRssMb.max)}`, '≤ 2×: ' + met(v.cpuRatio.median <= 2), when(startup)]);
  for (const name of ['odoops validate examples/fleet', 'odoops --version (sources, tsx)']) {
    const r = by[name];
    if (r) rows.push([`\`${name.replace(/^odoops /, 'odoops ')}\` (whole process)`, '`npm run bench -- startup`', `CPU ${ms(r.cpuMs.median)} (${ratio(r.cpuRatio)} \`node -e 0\`), ${mb(r.peakRssMb.max)}`, '—', when(startup)]);
  }
} else missing('CLI start-up', 'npm run bench -- startup');

const probe = load('probe');
if (probe) {
  for (const r of probe.rows) {
    const floor = r.dockerCallsPerServer && r.nodeStartCpuMs ? `; of which ${r.dockerCallsPerServer} docker stand-in starts ≥ ${r.dockerCallsPerServer} × \`node -e 0\` = ${ms(r.dockerCallsPerServer * r.nodeStartCpuMs.median)}` : '';
    rows.push([`server-side CPU of one probe, ${r.servers} sandbox server(s)`, '`npm run bench -- probe`', `${ms(r.serverCpuMsPerServer.median)} per server (${ms(r.serverCpuMsPerServer.min)}–${ms(r.serverCpuMsPerServer.max)})${floor}`, '≤ 150 ms: ' + met(r.serverCpuMsPerServer.median <= 150), when(probe)]);
  }
  const sorted = [...probe.rows].sort((a, b) => a.servers - b.servers);
  if (sorted.length >= 2) {
    const [a, b] = [sorted[0], sorted.at(-1)];
    const per = (b.odoopsCpuMs.median - a.odoopsCpuMs.median) / (b.servers - a.servers);
    rows.push([`odoops CPU per added server (\`plan\` over ${a.servers} → ${b.servers} servers)`, '`npm run bench -- probe`', `${ms(per)} (${ms(a.odoopsCpuMs.median)} → ${ms(b.odoopsCpuMs.median)}), ${mb(Math.max(...sorted.map((r) => r.odoopsPeakRssMb.max)))} peak`, '≤ 10 ms: ' + met(per <= 10), when(probe)]);
  } else {
    for (const r of sorted) rows.push([`odoops process, \`plan\` over ${r.servers} sandbox server(s)`, '`npm run bench -- probe`', `CPU ${ms(r.odoopsCpuMs.median)}, ${mb(r.odoopsPeakRssMb.max)} peak`, 'per added server: needs two sizes', when(probe)]);
  }
} else missing('server-side CPU of one probe', 'npm run bench -- probe');

const validate = load('validate');
if (validate) {
  for (const r of validate.rows) {
    const target = r.op === 'validate' && r.clients >= 10000 ? `< 3 s, < 400 MB: ${met(r.wallMs.median < 3000 && r.peakRssMb.max < 400)}` : r.op.startsWith('touched-one-line') && r.clients >= 10000 ? `< 2 s: ${met(r.wallMs.median < 2000)}` : '—';
    rows.push([`\`${r.op}\`, ${r.clients.toLocaleString('en')} generated clients (in process)`, '`npm run bench -- validate`', `wall ${s(r.wallMs.median)} (${s(r.wallMs.min)}–${s(r.wallMs.max)}), CPU ${s(r.cpuMs.median)}, ${mb(r.peakRssMb.max)}`, target, when(validate)]);
  }
} else missing('validate / show / plan / touchedClients at 1,000 and 10,000 clients', 'npm run bench -- validate');

const webhook = load('webhook-plan');
if (webhook) {
  for (const r of webhook.rows) {
    const what = r.kind === 'opened' ? 'MR opened, operator mirror cold' : 'MR updated';
    rows.push([`webhook → plan comment, one-client change, ${webhook.clients.toLocaleString('en')} clients (${what})`, '`npm run bench -- webhook-plan`', `${s(r.latencyMs.median)} (${s(r.latencyMs.min)}–${s(r.latencyMs.max)}), operator CPU ${ms(r.cpuMs.median)}`, r.kind === 'updated' ? `< 2 s: ${met(r.latencyMs.median < 2000)}` : '—', when(webhook)]);
  }
} else missing('webhook → plan comment latency', 'npm run bench -- webhook-plan');

const sandboxUp = load('sandbox-up');
if (sandboxUp) {
  for (const r of sandboxUp.rows) {
    rows.push([`\`sandbox up --clients ${r.servers}\`${r.provisioned ? '' : ' (instances not provisioned)'}`, '`npm run bench -- sandbox-up`', `up ${r.upS.toFixed(0)} s, down ${r.downS.toFixed(0)} s; ${r.processes} processes, ${mb(r.rssMb)} RSS; machine open files ${r.openFiles.toLocaleString('en')} of ${r.fileMax.toLocaleString('en')}`, r.servers >= 100 ? 'works at 100: met' : '—', when(sandboxUp)]);
  }
} else missing('sandbox up at scale', 'npm run bench -- sandbox-up');

const machineOf = [startup, probe, validate, webhook, sandboxUp].find(Boolean)?.machine;
const lines = [
  START,
  '<!-- generated by `npm run bench:table` from bench-results/*.json: edit the script, not the table -->',
  machineOf ? `Machine: ${machineOf.cpus} cores ${machineOf.cpuModel}, ${machineOf.memoryGb} GB, Node ${machineOf.node}; the load average is given per benchmark (the machine is shared: wall times are inflated under load, CPU figures and ratios taken in the same run hold better).` : 'No benchmark results yet.',
  '',
  '| what | command | measured (median, min–max) | target | date, load |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  END,
];
const block = lines.join('\n');

if (process.argv.includes('--print')) {
  console.log(block);
} else {
  const text = readFileSync(readme, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) {
    console.error(`odoops bench:table: ${readme} has no ${START} … ${END} markers`);
    process.exit(1);
  }
  writeFileSync(readme, text.slice(0, a) + block + text.slice(b + END.length));
  console.log(`README.md: performance table rewritten (${rows.length} rows from ${results})`);
}
