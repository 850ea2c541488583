/**
 * Reading a local repo's working tree: without --rev, uncommitted config edits (and a repo
 * with no commit yet) are what validate, show and plan read, labelled as such; --rev reads
 * git; apply refuses a dirty tree (only commits are applied).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadDesiredState, touchedClients, validateRepo } from '../../operator/desired/load.ts';
import { describeSource } from '../../operator/desired/source.ts';
import { OdoopsError } from '../../operator/util/errors.ts';
import { commit, exampleRepo, git, readExample, tempDir } from './helpers.ts';

const bin = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/odoops.mjs');
const dirs: string[] = [];
test.after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function repo(): { dir: string; head: string } {
  const r = exampleRepo();
  dirs.push(r.dir);
  return r;
}

const workers = (s: Awaited<ReturnType<typeof loadDesiredState>>, client = 'acme') =>
  s.clients.find((c) => c.name === client)!.instances.find((i) => i.name === 'production')!.options.workers;

async function rejects(p: Promise<unknown>, re: RegExp): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, OdoopsError);
    assert.match((err as Error).message, re);
    assert.not.match((err as Error).message, /\n/);
    return (err as Error).message;
  }
  return assert.unreachable('should have thrown') as never;
}

test('a clean working tree: HEAD is read, as a commit', async () => {
  const { dir, head } = repo();
  fs.writeFileSync(path.join(dir, 'README.md'), 'not config\n');
  const s = await loadDesiredState({ repo: dir, worktree: 'read' });
  assert.equal(s.source, { kind: 'commit', commit: head });
  assert.is(s.revision, head);
});

test('uncommitted edits and new files are read and labelled <commit>+dirty; --rev reads git', async () => {
  const { dir, head } = repo();
  fs.writeFileSync(path.join(dir, 'clients/acme.yaml'), readExample('clients/acme.yaml').replace('options: { workers: 3 }', 'options: { workers: 9 }'));
  fs.writeFileSync(path.join(dir, 'clients/dulac.yaml'), readExample('clients/cobalt.yaml').replace(/cobalt/g, 'dulac').replace('192.0.2.55', '192.0.2.56'));
  const s = await loadDesiredState({ repo: dir, worktree: 'read' });
  assert.equal(s.source, { kind: 'worktree', dir, base: head, modified: ['clients/acme.yaml', 'clients/dulac.yaml'] });
  assert.is(s.revision, `${head.slice(0, 12)}+dirty`);
  assert.is(describeSource(s.source), `working tree, 2 files modified since ${head.slice(0, 12)}`);
  assert.is(workers(s), 9);
  assert.ok(s.clients.some((c) => c.name === 'dulac'));
  const committed = await loadDesiredState({ repo: dir, rev: 'HEAD' });
  assert.equal(committed.source, { kind: 'commit', commit: head });
  assert.is(workers(committed), 3);
  assert.not.ok(committed.clients.some((c) => c.name === 'dulac'));
  // A deleted client file is a change too.
  fs.rmSync(path.join(dir, 'clients/dulac.yaml'));
  fs.rmSync(path.join(dir, 'clients/boreal.yaml'));
  const deleted = await validateRepo({ repo: dir, worktree: 'read' });
  assert.equal(deleted.source.kind === 'worktree' && deleted.source.modified, ['clients/acme.yaml', 'clients/boreal.yaml']);
  assert.is(deleted.clients, 2);
});

test('by default (policy "head": odoops serve, programs) HEAD is read whatever the working tree holds', async () => {
  const { dir, head } = repo();
  fs.writeFileSync(path.join(dir, 'clients/acme.yaml'), 'broken: [\n');
  assert.equal((await loadDesiredState({ repo: dir })).source, { kind: 'commit', commit: head });
  assert.equal((await loadDesiredState({ repo: dir, worktree: 'head' })).source, { kind: 'commit', commit: head });
});

test('an edit that breaks a file is reported from the working tree', async () => {
  const { dir } = repo();
  fs.writeFileSync(path.join(dir, 'clients/acme.yaml'), readExample('clients/acme.yaml').replace('series: "17.0"', 'series: "13.0"'));
  const r = await validateRepo({ repo: dir, worktree: 'read' });
  assert.is(r.valid, false);
  assert.match(r.issues[0]!.message, /instances\.production\.series: must be one of/);
});

test('files .gitignore excludes are not part of the config', async () => {
  const { dir, head } = repo();
  fs.writeFileSync(path.join(dir, '.gitignore'), 'clients/*.local.yaml\n');
  commit(dir, {}, 'ignore');
  fs.writeFileSync(path.join(dir, 'clients/scratch.local.yaml'), 'not: [valid\n');
  const s = await validateRepo({ repo: dir, worktree: 'read' });
  assert.is(s.source.kind, 'commit', 'an ignored file does not make the tree dirty');
  fs.writeFileSync(path.join(dir, 'clients/acme.yaml'), readExample('clients/acme.yaml').replace('workers: 3', 'workers: 4'));
  const d = await validateRepo({ repo: dir, worktree: 'read' });
  assert.is(d.source.kind, 'worktree');
  assert.is(d.valid, true, 'the ignored file is not read');
  assert.is(d.clients, 3);
  assert.is.not(head, git(dir, 'rev-parse', 'HEAD'));
});

test('before the first commit: the working tree is read; --rev says there is no commit yet and what to do', async () => {
  const dir = tempDir();
  dirs.push(dir);
  git(dir, 'init', '-q', '-b', 'main');
  fs.mkdirSync(path.join(dir, 'clients'));
  fs.writeFileSync(path.join(dir, 'fleet.yaml'), readExample('fleet.yaml'));
  fs.writeFileSync(path.join(dir, 'clients/acme.yaml'), readExample('clients/acme.yaml'));
  const s = await loadDesiredState({ repo: dir, worktree: 'read' });
  assert.equal(s.source, { kind: 'worktree', dir, base: null, modified: ['clients/acme.yaml', 'fleet.yaml'] });
  assert.is(s.revision, 'worktree');
  assert.is(describeSource(s.source), 'working tree, no commit yet');
  assert.equal(s.clients.map((c) => c.name), ['acme']);
  await rejects(loadDesiredState({ repo: dir, rev: 'HEAD' }), /has no commits yet \(HEAD does not resolve\): commit the config, or run without --rev to read the working tree/);
  await rejects(loadDesiredState({ repo: dir, worktree: 'commit' }), /has no commits yet: apply records the revision it applied on each server, so commit the config first/);
});

test('apply (policy "commit") refuses uncommitted changes and names them; --rev HEAD applies the last commit', async () => {
  const { dir, head } = repo();
  fs.writeFileSync(path.join(dir, 'fleet.yaml'), readExample('fleet.yaml').replace('max_cron_threads: 1', 'max_cron_threads: 2'));
  const msg = await rejects(loadDesiredState({ repo: dir, worktree: 'commit' }), /has uncommitted changes \(1 file: fleet\.yaml\)/);
  assert.match(msg, /applies commits only; commit the changes, or pass --rev HEAD to apply the last commit/);
  const s = await loadDesiredState({ repo: dir, rev: 'HEAD', worktree: 'commit' });
  assert.is(s.revision, head);
});

test('a config in a sub-folder: only its own files make the tree dirty', async () => {
  const dir = tempDir();
  dirs.push(dir);
  git(dir, 'init', '-q', '-b', 'main');
  const files: Record<string, string> = { 'README.md': 'top\n' };
  for (const p of ['fleet.yaml', 'clients/acme.yaml']) files[`config/${p}`] = readExample(p);
  const head = commit(dir, files, 'config in a folder');
  fs.writeFileSync(path.join(dir, 'README.md'), 'edited\n');
  const sub = path.join(dir, 'config');
  assert.equal((await loadDesiredState({ repo: sub, worktree: 'read' })).source, { kind: 'commit', commit: head });
  fs.writeFileSync(path.join(sub, 'clients/acme.yaml'), readExample('clients/acme.yaml').replace('workers: 3', 'workers: 6'));
  const s = await loadDesiredState({ repo: sub, worktree: 'read' });
  assert.equal(s.source, { kind: 'worktree', dir, base: head, modified: ['clients/acme.yaml'] });
  assert.is(workers(s), 6);
});

test('touched clients between a commit and the working tree', async () => {
  const { dir } = repo();
  fs.writeFileSync(path.join(dir, 'clients/acme.yaml'), readExample('clients/acme.yaml').replace('workers: 3', 'workers: 4'));
  const s = await loadDesiredState({ repo: dir, worktree: 'read' });
  assert.equal(await touchedClients({ repo: dir, from: 'HEAD', to: s.source }), ['acme']);
});

test('CLI: validate and show say they read the working tree; apply refuses it before connecting anywhere', () => {
  const { dir, head } = repo();
  fs.writeFileSync(path.join(dir, 'clients/acme.yaml'), readExample('clients/acme.yaml').replace('workers: 3', 'workers: 4'));
  fs.writeFileSync(path.join(dir, 'clients/boreal.yaml'), readExample('clients/boreal.yaml').replace('workers', 'workers'));
  fs.appendFileSync(path.join(dir, 'clients/boreal.yaml'), '# edited\n');
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  const v = run('validate', '--repo', dir);
  assert.is(v.status, 0, v.stderr);
  assert.is(v.stdout, `valid (working tree, 2 files modified since ${head.slice(0, 12)}, 3 clients)\n`);
  const atHead = run('validate', '--repo', dir, '--rev', 'HEAD');
  assert.is(atHead.stdout, `valid (${head.slice(0, 12)}, 3 clients)\n`);
  const show = run('show', 'acme', '--repo', dir);
  assert.is(show.status, 0, show.stderr);
  assert.match(show.stdout, new RegExp(`^# resolved desired state of acme at working tree, 2 files modified since ${head.slice(0, 12)}\\n`));
  assert.match(show.stdout, new RegExp(`\\nrevision: ${head.slice(0, 12)}\\+dirty\\n`));
  const json = JSON.parse(run('validate', '--repo', dir, '--json').stdout);
  assert.equal(json.source, { kind: 'worktree', dir, base: head, modified: ['clients/acme.yaml', 'clients/boreal.yaml'] });
  assert.is(json.revision, `${head.slice(0, 12)}+dirty`);
  const key = path.join(dir, 'no-such-key');
  fs.writeFileSync(key, 'not a key, never used: apply stops before SSH\n');
  const apply = run('apply', '--repo', dir, '--ssh-key', key);
  assert.is(apply.status, 1);
  assert.match(apply.stderr, /^odoops: config repo .* has uncommitted changes \(2 files: clients\/acme\.yaml, clients\/boreal\.yaml\)/);
});

test.run();
