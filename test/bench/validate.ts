/**
 * Benchmark: validateRepo on generated config repos of 1,000 and 10,000 clients.
 * Run: node --import tsx test/bench/validate.ts [sizes...]   (default: 1000 10000)
 * Prints wall time (first, cold run and a second run), peak RSS, and clients per second.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resourceUsage } from 'node:process';
import { validateRepo, touchedClients } from '../../operator/desired/load.ts';

const examples = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../examples/fleet');
const SERIES = ['16.0', '17.0', '18.0'];
const ZONES = ['Europe/Paris', 'America/Montreal', 'Europe/Brussels'];

function client(i: number): string {
  const s = SERIES[i % 3]!;
  const z = ZONES[i % 3]!;
  const name = `client-${String(i).padStart(5, '0')}`;
  return `# yaml-language-server: $schema=../schema/client.schema.json
apiVersion: odoops/v1
kind: Client
name: ${name}
server:
  host: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}
  hostKey: SHA256:AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjj${String(i % 1000).padStart(3, '0')}
instances:
  production:
    series: "${s}"
    image: registry.example.com/odoo:${s}-20261101
    domain: erp.${name}.example
    modules: [contacts, sale_management, purchase, stock, integrator_base]
    removeModules: [website]
    addons:
      - { name: integrator-addons, url: https://git.example.com/integrator/odoo-addons.git, ref: v1.0 }
    options: { workers: ${2 + (i % 3)} }
    windows:
      - { kind: allow, schedule: "0 ${i % 5} * * 0", duration: 3h, timeZone: ${z} }
  test:
    series: "${s}"
    image: registry.example.com/odoo:${s}-20261101
    domain: test.${name}.example
    modules: [contacts, sale_management, integrator_base, integrator_reports]
backups:
  encryptionKey: env:RESTIC_PASSWORD_${i}
`;
}

function git(dir: string, ...args: string[]) {
  execFileSync('git', args, {
    cwd: dir,
    stdio: 'ignore',
    env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.invalid', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.invalid' },
  });
}

function makeRepo(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `odoops-bench-${n}-`));
  git(dir, 'init', '-q', '-b', 'main');
  fs.copyFileSync(path.join(examples, 'fleet.yaml'), path.join(dir, 'fleet.yaml'));
  fs.mkdirSync(path.join(dir, 'clients'));
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, 'clients', `client-${String(i).padStart(5, '0')}.yaml`), client(i));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'generated');
  // A second commit touching fleet.yaml, to time touchedClients over the whole fleet.
  fs.appendFileSync(path.join(dir, 'fleet.yaml'), '# comment only\n');
  git(dir, 'commit', '-q', '-am', 'comment');
  return dir;
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

for (const n of sizes.length ? sizes : [1000, 10000]) {
  const t0 = Date.now();
  const dir = makeRepo(n);
  const gen = Date.now() - t0;
  const runs: number[] = [];
  let clients = 0;
  let issues = 0;
  const cpu: number[] = [];
  for (let r = 0; r < 2; r++) {
    const t = performance.now();
    const c0 = process.cpuUsage();
    const res = await validateRepo({ repo: dir });
    runs.push(performance.now() - t);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    clients = res.clients;
    issues = res.issues.length;
  }
  const tt = performance.now();
  const touched = await touchedClients({ repo: dir, from: 'HEAD~1', to: 'HEAD' });
  const touchMs = performance.now() - tt;
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(
    `${n} clients: validate ${runs.map((r) => `${(r / 1000).toFixed(2)} s`).join(' / ')} (cold / warm), CPU ${cpu.map((c) => `${(c / 1000).toFixed(2)} s`).join(' / ')}, ` +
      `${Math.round(clients / (runs[1]! / 1000))} clients/s, ${issues} issues; ` +
      `touchedClients over a fleet.yaml change ${(touchMs / 1000).toFixed(2)} s (${touched.length} touched); ` +
      `peak RSS ${mb(peak)} (maxRSS ${mb(resourceUsage().maxRSS * 1024)}); repo generated in ${(gen / 1000).toFixed(1)} s; ` +
      `load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`,
  );
  if (issues !== 0) console.log('unexpected issues in a generated repo');
  fs.rmSync(dir, { recursive: true, force: true });
}
clearInterval(sampler);
