/**
 * Optional sections: left out, a warning says what is then not done and what enforces the
 * section (validate still succeeds); declared but incomplete, they are errors. Nothing is
 * called "not yet enforced" any more: the warnings, the schema descriptions, the README and
 * `odoops show` say which sections only `odoops apply --managed-files` (or `odoops serve
 * --managed-files`) puts on the servers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { analyzeFiles } from '../../operator/desired/analyze.ts';
import { MANAGED_FILES_APPLY, OPTIONAL_SECTIONS } from '../../operator/desired/enforcement.ts';
import { formatIssue } from '../../operator/desired/issues.ts';
import { readSchema } from '../../operator/desired/schema.ts';
import { commit, configFiles, git, readExample, tempDir, zeta } from './helpers.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
type J = Record<string, any>;

/** The schema node describing a section path of OPTIONAL_SECTIONS. */
function schemaNode(where: 'client' | 'fleet', p: string): J {
  const client = readSchema('client') as J;
  const fleet = readSchema('fleet') as J;
  if (where === 'client') return client.$defs[p.split('.')[0]!];
  let node: J = fleet;
  for (const seg of p.split('.')) node = node.properties[seg];
  return node;
}

test('each optional section says what enforces it: --managed-files exactly for those a plain apply leaves alone', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  assert.equal(OPTIONAL_SECTIONS.filter((s) => s.onlyWithManagedFiles).map((s) => s.path), ['backups', 'monitoring', 'security']);
  for (const s of OPTIONAL_SECTIONS) {
    const description = String(schemaNode(s.where, s.path).description);
    assert.not.match(description, /not yet enforced/i, s.path);
    assert.is(description.includes('`odoops apply --managed-files`'), s.onlyWithManagedFiles, `${s.path}: schema description and --managed-files`);
    assert.is(s.enforcedBy.includes(MANAGED_FILES_APPLY), s.onlyWithManagedFiles, `${s.path}: enforcedBy and --managed-files`);
    assert.ok(readme.includes(`\`${s.path.split('.')[0]}`), `README names ${s.path}`);
  }
  assert.not.match(readme, /not yet enforced/i);
  assert.match(readme, /put on the servers only\s+by `odoops apply --managed-files` or `odoops serve --managed-files`/);
  for (const schema of ['client', 'fleet'] as const) assert.not.match(JSON.stringify(readSchema(schema)), /not yet enforced/i, schema);
});

const fleetNoBackups = readExample('fleet.yaml').replace(/ {2}backups:\n(?: {4}.*\n)+/, '');

test('a client with no backups anywhere: a warning, not an error; declared but incomplete: an error', () => {
  assert.not.match(fleetNoBackups, /\n {2}backups:/);
  const omitted = zeta().replace(/backups:\n.*\n/, '');
  const a = analyzeFiles(configFiles(fleetNoBackups, { 'clients/zeta.yaml': omitted }));
  assert.equal(a.issues.map(formatIssue), [
    'fleet.yaml:74:1: warning: defaults.backups: not set here nor in clients/zeta.yaml, so for that client no off-site backups are set up (installed on the servers only by odoops apply --managed-files or odoops serve --managed-files (and odoops backup); their health is checked by every plan and drift)',
  ]);
  assert.is(a.clients[0]!.backups, undefined);
  const partial = analyzeFiles(configFiles(fleetNoBackups, { 'clients/zeta.yaml': zeta() }));
  assert.equal(partial.issues.map(formatIssue), [
    'clients/zeta.yaml:27:1: backups.schedule: not set: set it here or in fleet.yaml defaults.backups.schedule (backups are declared, so they need a schedule, destinations and an encryption key)',
    'clients/zeta.yaml:27:1: backups.destinations: not set: set it here or in fleet.yaml defaults.backups.destinations (backups are declared, so they need a schedule, destinations and an encryption key)',
  ].sort());
});

test('many clients without a section: one warning in fleet.yaml, naming a few of them', () => {
  const clients: Record<string, string> = {};
  for (let i = 0; i < 5; i++) {
    clients[`clients/z${i}.yaml`] = zeta().replace('name: zeta', `name: z${i}`).replace('192.0.2.99', `192.0.2.${i}`).replace(/backups:\n.*\n/, '');
  }
  const a = analyzeFiles(configFiles(fleetNoBackups, clients));
  assert.equal(a.issues.map(formatIssue), [
    'fleet.yaml:74:1: warning: defaults.backups: not set here nor in any of the 5 client files, so for those clients no off-site backups are set up (installed on the servers only by odoops apply --managed-files or odoops serve --managed-files (and odoops backup); their health is checked by every plan and drift)',
  ]);
});

test('CLI: validate succeeds with warnings and prints them apart; show lists the sections only --managed-files applies', () => {
  const dir = tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  commit(dir, { 'fleet.yaml': fleetNoBackups, 'clients/zeta.yaml': zeta().replace(/backups:\n.*\n/, '') }, 'no backups');
  const run = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/odoops.mjs'), ...args], { encoding: 'utf8' });
  try {
    const v = run('validate', '--repo', dir);
    assert.is(v.status, 0, v.stderr);
    const lines = v.stdout.trim().split('\n');
    assert.match(lines[0]!, /^fleet\.yaml:74:1: warning: defaults\.backups: not set/);
    assert.match(lines[1]!, /^valid, 1 warning \([0-9a-f]{12}, 1 client\)$/);
    const json = JSON.parse(run('validate', '--repo', dir, '--json').stdout);
    assert.equal([json.valid, json.errors, json.warnings, json.issues[0].severity], [true, 0, 1, 'warning']);
    const show = run('show', 'zeta', '--repo', dir);
    assert.is(show.status, 0, show.stderr);
    assert.match(show.stdout, /\n# enforced only by odoops apply --managed-files or odoops serve --managed-files: monitoring, security\n/);
    assert.not.match(show.stdout, /not yet enforced/);
    const shown = JSON.parse(run('show', 'zeta', '--repo', dir, '--json').stdout);
    assert.equal(shown.onlyWithManagedFiles, ['monitoring', 'security']);
    // With backups declared, they are listed too.
    commit(dir, { 'fleet.yaml': readExample('fleet.yaml'), 'clients/zeta.yaml': zeta() }, 'backups');
    assert.equal(JSON.parse(run('show', 'zeta', '--repo', dir, '--json').stdout).onlyWithManagedFiles, ['backups', 'monitoring', 'security']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
