/**
 * Reading the config repo at revisions (branch, tag, short/long SHA, HEAD, sub-folder, bare
 * mirror via URL), resolved state, and clear one-line errors for bad input.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadDesiredState, touchedClients, validateRepo } from '../../operator/desired/load.ts';
import { ValidationFailed } from '../../operator/desired/issues.ts';
import { OdoopsError } from '../../operator/util/errors.ts';
import { commit, exampleRepo, git, readExample, tempDir } from './helpers.ts';

const bin = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/odoops.mjs');
let repo = '';
let first = '';
let second = '';
const dirs: string[] = [];

function odoops(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cacheHome } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
let cacheHome = '';

test.before(() => {
  const r = exampleRepo();
  repo = r.dir;
  first = r.head;
  git(repo, 'tag', '-a', 'v1', '-m', 'first release');
  const acme = readExample('clients/acme.yaml').replace('ref: v1.0\n  test:', 'ref: v1.0\n  test:').replace('options: { workers: 3 }', 'options: { workers: 5 }');
  second = commit(repo, { 'clients/acme.yaml': acme }, 'acme: 5 workers');
  cacheHome = tempDir('odoops-cache-');
  dirs.push(repo, cacheHome);
});

test.after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const workers = (s: Awaited<ReturnType<typeof loadDesiredState>>) =>
  s.clients.find((c) => c.name === 'acme')!.instances.find((i) => i.name === 'production')!.options.workers;

test('reads two revisions without checking anything out', async () => {
  const before = fs.readFileSync(path.join(repo, 'clients/acme.yaml'), 'utf8');
  const a = await loadDesiredState({ repo, rev: 'v1' });
  const b = await loadDesiredState({ repo, rev: 'main' });
  assert.is(a.revision, first);
  assert.is(b.revision, second);
  assert.is(workers(a), 3);
  assert.is(workers(b), 5);
  assert.is(fs.readFileSync(path.join(repo, 'clients/acme.yaml'), 'utf8'), before, 'work tree untouched');
  assert.is(git(repo, 'rev-parse', 'HEAD'), second);
});

test('revision forms: HEAD, default, short and long SHA, annotated tag, HEAD~1', async () => {
  assert.is((await loadDesiredState({ repo })).revision, second);
  assert.is((await loadDesiredState({ repo, rev: 'HEAD' })).revision, second);
  assert.is((await loadDesiredState({ repo, rev: first })).revision, first);
  assert.is((await loadDesiredState({ repo, rev: first.slice(0, 8) })).revision, first);
  assert.is((await loadDesiredState({ repo, rev: 'refs/tags/v1' })).revision, first);
});

test('resolved state: order, defaults, destinations resolved to objects', async () => {
  const s = await loadDesiredState({ repo });
  assert.equal(s.clients.map((c) => c.name), ['acme', 'boreal', 'cobalt']);
  assert.match(s.revision, /^[0-9a-f]{40}$/);
  assert.is(s.repoPath, repo);
  const boreal = s.clients.find((c) => c.name === 'boreal')!;
  assert.equal(boreal.instances.map((i) => i.name), ['test', 'production']);
  assert.is(boreal.file, 'clients/boreal.yaml');
  assert.equal(boreal.server, { host: '198.51.100.24', port: 22, user: 'root', hostKey: 'SHA256:Zk2fR8yWq1Lb7Nc4Xe9Tj3Hv6Pm0Sd5Ga8Ku2Yo1RiA', os: 'ubuntu-22.04' });
  const prod = boreal.instances[1]!;
  assert.is(prod.httpPort, 8069);
  assert.is(boreal.instances[0]!.httpPort, 8070);
  assert.is(prod.options.workers, 2, 'inherited from defaults.instance.options');
  assert.is(prod.windows[1]!.manualSync, false);
  assert.is(prod.windows[0]!.manualSync, true, 'default manualSync');
  assert.equal(boreal.backups!.destinations, [
    { name: 'ovh-gra', url: 's3:https://s3.gra.io.cloud.ovh.net/integrator-backups', site: 'ovh-gra', credentials: 'env:RESTIC_S3_OVH' },
    { name: 'scaleway-par', url: 's3:https://s3.fr-par.scw.cloud/integrator-backups', site: 'scaleway-par', credentials: 'env:RESTIC_S3_SCALEWAY' },
  ]);
  assert.is(boreal.backups!.schedule, '0 1 * * *');
  assert.is(boreal.backups!.timeZone, 'America/Montreal');
  assert.is(boreal.maintenance.security!.timeZone, 'America/Montreal');
  assert.is(boreal.maintenance.os!.timeZone, 'Europe/Paris', 'fleet timezone fills a window without one');
  assert.equal(boreal.monitoring.servers, ['198.51.100.201', '203.0.113.202'], 'the addresses of fleet monitoringServers');
  assert.is(s.fleet.operator.concurrency, 4);
});

test('the examples validate from their sub-folder of this repository', async () => {
  const here = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../examples/fleet');
  const r = await validateRepo({ repo: here });
  assert.equal(r.issues, []);
  assert.is(r.clients, 3);
});

test('a git URL is mirrored into the cache and read from there', async () => {
  const prev = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = cacheHome;
  try {
    const s = await loadDesiredState({ repo: `file://${repo}`, rev: 'v1' });
    assert.is(s.revision, first);
    assert.ok(s.repoPath.startsWith(path.join(cacheHome, 'odoops', 'repos')), s.repoPath);
    // A new commit upstream is seen on the next read (fetch).
    const third = commit(repo, { 'clients/cobalt.yaml': readExample('clients/cobalt.yaml').replace('workers: 1', 'workers: 2') }, 'cobalt');
    const t = await loadDesiredState({ repo: `file://${repo}` });
    assert.is(t.revision, third);
  } finally {
    if (prev === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = prev;
  }
});

test('a URL read at a full SHA the mirror holds is not fetched; a SHA it lacks is', async () => {
  const prev = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = tempDir('odoops-cache-sha-');
  dirs.push(process.env.XDG_CACHE_HOME);
  try {
    const url = `file://${repo}`;
    const head = git(repo, 'rev-parse', 'HEAD');
    const mirror = (await loadDesiredState({ repo: url, rev: head })).repoPath;
    const newer = commit(repo, { 'clients/cobalt.yaml': readExample('clients/cobalt.yaml').replace('workers: 1', 'workers: 3') }, 'cobalt: 3 workers');
    // Read again at the commit it holds: the mirror's branch stays where it was.
    assert.is((await loadDesiredState({ repo: url, rev: head })).revision, head);
    assert.is((await touchedClients({ repo: url, from: first, to: head })).length > 0, true);
    assert.is(git(mirror, 'rev-parse', 'refs/heads/main'), head, 'not fetched');
    // Abbreviated SHAs and branch names always fetch; so does a commit the mirror lacks.
    assert.is((await loadDesiredState({ repo: url, rev: newer })).revision, newer);
    assert.is(git(mirror, 'rev-parse', 'refs/heads/main'), newer, 'fetched');
  } finally {
    if (prev === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = prev;
  }
});

async function rejects(p: Promise<unknown>, re: RegExp) {
  try {
    await p;
  } catch (err) {
    assert.instance(err, OdoopsError);
    assert.not.match((err as Error).message, /\n/, 'one line');
    assert.match((err as Error).message, re);
    return;
  }
  assert.unreachable('should have thrown');
}

test('missing repo, not a git repo, unknown revision, unreachable URL: one clear line', async () => {
  await rejects(loadDesiredState({ repo: '/nonexistent/odoops-config' }), /config repo \/nonexistent\/odoops-config does not exist/);
  const plain = tempDir();
  dirs.push(plain);
  await rejects(loadDesiredState({ repo: plain }), /is not in a git repository/);
  await rejects(loadDesiredState({ repo, rev: 'no-such-branch' }), /unknown revision "no-such-branch"/);
  await rejects(loadDesiredState({ repo, rev: 'f'.repeat(40) }), /unknown revision "f{40}"/);
  await rejects(loadDesiredState({ repo, rev: '$(reboot)' }), /invalid revision/);
  await rejects(loadDesiredState({ repo: `file://${plain}/missing.git` }), /cannot fetch config repo file:\/\//);
});

test('an invalid repo throws ValidationFailed carrying every issue', async () => {
  git(repo, 'checkout', '-q', '-b', 'broken');
  commit(repo, { 'clients/acme.yaml': readExample('clients/acme.yaml').replace('name: acme', 'name: acme2').replace('ref: main', 'ref: a..b') }, 'broken');
  git(repo, 'checkout', '-q', 'main');
  try {
    await loadDesiredState({ repo, rev: 'broken' });
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, ValidationFailed);
    const issues = (err as ValidationFailed).errors;
    assert.is(issues.length, 2);
    assert.ok(issues[0]!.line < issues[1]!.line, 'sorted by line');
    assert.equal(Object.keys(issues[0]!).sort(), ['col', 'file', 'line', 'message', 'severity']);
    assert.ok(issues.every((i) => i.severity === 'error'));
  }
});

test('YAML bomb and huge file: refused with one line each', async () => {
  const bomb = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) bomb.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  git(repo, 'checkout', '-q', '-b', 'bomb');
  commit(repo, { 'clients/bomb.yaml': bomb.join('\n') + '\n', 'clients/huge.yaml': `# ${'x'.repeat(1100 * 1024)}\n` }, 'bomb');
  git(repo, 'checkout', '-q', 'main');
  const r = await validateRepo({ repo, rev: 'bomb' });
  assert.equal(
    r.issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`),
    [
      'clients/bomb.yaml:1:1: YAML: aliases expand too much (more than 100): refusing a possible YAML bomb',
      'clients/huge.yaml:1:1: file is larger than 1024 KiB: refusing to read it',
    ],
  );
});

test('CLI: validate exit codes and output; show YAML and JSON; usage errors', () => {
  const ok = odoops('validate', '--repo', repo);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^valid \([0-9a-f]{12}, 3 clients\)\n$/);
  const bad = odoops('validate', '--repo', repo, '--rev', 'broken');
  assert.is(bad.code, 1);
  const lines = bad.stdout.trim().split('\n');
  assert.match(lines[0]!, /^clients\/acme\.yaml:5:7: name: client name "acme2" does not match/);
  assert.match(lines.at(-1)!, /^2 problems \(/);
  const json = odoops('validate', '--repo', repo, '--rev', 'broken', '--json');
  assert.is(json.code, 1);
  const parsed = JSON.parse(json.stdout);
  assert.is(parsed.valid, false);
  assert.is(parsed.issues.length, 2);
  assert.is(parsed.issues[0].file, 'clients/acme.yaml');
  const show = odoops('show', 'cobalt', '--repo', repo, '--rev', 'v1', '--json');
  assert.is(show.code, 0, show.stderr);
  const c = JSON.parse(show.stdout);
  assert.is(c.revision, first);
  assert.is(c.instances[1].options.workers, 4);
  assert.is(c.backups.retention.daily, 14);
  assert.is(c.backups.retention.weekly, 4, 'retention merged key by key');
  const yaml = odoops('show', 'cobalt', '--repo', repo);
  assert.is(yaml.code, 0);
  assert.match(yaml.stdout, /\nname: cobalt\n/);
  // When each window opens next: the instances' state now, then three openings per window.
  assert.match(yaml.stdout, /\n# update windows \(now [A-Z][a-z]{2} \d{4}-\d\d-\d\d \d\d:\d\d UTC\)\n#   test: open \(no update windows\)\n#   production: (open until|closed; next opening) /);
  assert.match(yaml.stdout, /\n#   instances\.production\.windows\[0\] allow "30 1 \* \* 1" for 2h30m \(Europe\/Brussels\) opens (Mon \d{4}-\d\d-\d\d 01:30, ){2}Mon \d{4}-\d\d-\d\d 01:30 \(Europe\/Brussels\)\n/);
  assert.match(yaml.stdout, /\n#   maintenance\.security allow "0 3 \* \* 2#1" for 2h \(Europe\/Paris\) opens (Tue \d{4}-\d\d-0[1-7] 03:00(, |\s)){3}/);
  const shownJson = JSON.parse(odoops('show', 'cobalt', '--repo', repo, '--json').stdout);
  assert.equal(shownJson.windows.map((w: { path: string; nextOpenings: string[] }) => [w.path, w.nextOpenings.length]), [
    ['instances.production.windows[0]', 3],
    ['maintenance.security', 3],
    ['maintenance.os', 3],
  ]);
  const unknown = odoops('show', 'nobody', '--repo', repo);
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /^odoops: unknown client "nobody"/);
  const missing = odoops('validate', '--repo', '/nonexistent/x');
  assert.is(missing.code, 1);
  assert.is(missing.stderr, 'odoops: config repo /nonexistent/x does not exist\n');
  const rev = odoops('show', 'acme', '--repo', repo, '--rev', 'nope');
  assert.is(rev.code, 1);
  assert.is(rev.stderr.trim().split('\n').length, 1);
  assert.is(odoops('validate', '--bogus').code, 2);
  assert.is(odoops('show').code, 2);
});

test.run();
