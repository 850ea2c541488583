/**
 * Generated config repositories for the desired-state benchmarks: the example fleet.yaml and
 * N client files in the style of the examples (three series and zones, addons, windows).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const examples = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../examples/fleet');
const SERIES = ['16.0', '17.0', '18.0'];
const ZONES = ['Europe/Paris', 'America/Montreal', 'Europe/Brussels'];

export function clientName(i: number): string {
  return `client-${String(i).padStart(5, '0')}`;
}

export function clientYaml(i: number): string {
  const s = SERIES[i % 3]!;
  const z = ZONES[i % 3]!;
  const name = clientName(i);
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

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.invalid', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.invalid' },
  }).trim();
}

export interface GeneratedRepo {
  dir: string;
  /** Commit with the generated fleet. */
  base: string;
  /** base + a comment-only change of fleet.yaml. */
  comment: string;
  /** base + a one-line change of a default every client inherits (defaults.instance.options.max_cron_threads). */
  oneLine: string;
  /** base + a one-line change of a default only production instances inherit (defaults.instances.production windows). */
  production: string;
}

/**
 * A committed repo of n generated clients, then three commits on top of it, each from the
 * base: a comment in fleet.yaml, a one-line default change every client inherits, and one
 * that only the production instances inherit.
 */
export function makeRepo(n: number): GeneratedRepo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `odoops-bench-${n}-`));
  git(dir, 'init', '-q', '-b', 'main');
  const fleet = fs.readFileSync(path.join(examples, 'fleet.yaml'), 'utf8');
  fs.writeFileSync(path.join(dir, 'fleet.yaml'), fleet);
  fs.mkdirSync(path.join(dir, 'clients'));
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, 'clients', `${clientName(i)}.yaml`), clientYaml(i));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'generated');
  const base = git(dir, 'rev-parse', 'HEAD');
  const variant = (branch: string, text: string): string => {
    git(dir, 'checkout', '-q', '-b', branch, base);
    fs.writeFileSync(path.join(dir, 'fleet.yaml'), text);
    git(dir, 'commit', '-q', '-am', branch);
    return git(dir, 'rev-parse', 'HEAD');
  };
  const comment = variant('comment', `${fleet}# comment only\n`);
  const oneLine = variant('one-line', replaceOnce(fleet, 'max_cron_threads: 1', 'max_cron_threads: 2'));
  const production = variant('production', replaceOnce(fleet, 'schedule: "0 2 * * 0", duration: 3h', 'schedule: "0 2 * * 0", duration: 4h'));
  git(dir, 'checkout', '-q', 'main');
  return { dir, base, comment, oneLine, production };
}

function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`examples/fleet/fleet.yaml no longer contains ${JSON.stringify(from)}: update the benchmark`);
  return text.replace(from, to);
}
