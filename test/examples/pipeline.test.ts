/**
 * examples/gitlab-ci/.gitlab-ci.yml, read as GitLab would: the YAML parses with its anchors
 * and aliases resolved, every `extends` names a job of the file, every job runs in a declared
 * stage and on rules that exist; MR plans have no resource group; applies are sharded with
 * --shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"; odoops comes from a git URL pinned to a commit
 * that exists, and every odoops command and flag the scripts call is listed by `--help` of
 * odoops at that very commit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const file = path.join(root, 'examples/gitlab-ci/.gitlab-ci.yml');
const text = readFileSync(file, 'utf8');

type Job = { extends?: string | string[]; stage?: string; script?: string[]; before_script?: string[]; rules?: unknown[]; resource_group?: string; parallel?: unknown; needs?: unknown[] };
const doc = parseDocument(text);
const ci = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> & { stages: string[]; variables: { ODOOPS_GIT_URL: string; ODOOPS_COMMIT: string } & Record<string, string> };
const KEYWORDS = new Set(['stages', 'workflow', 'variables', 'default', 'include']);
const jobs = Object.entries(ci).filter(([k]) => !KEYWORDS.has(k)) as [string, Job][];
const visible = jobs.filter(([k]) => !k.startsWith('.'));

/** A job with its `extends` chain merged in, as GitLab does (deep merge of hashes, the job wins). */
function resolved(name: string, seen: string[] = []): Job {
  assert.not.ok(seen.includes(name), `extends loop: ${[...seen, name].join(' -> ')}`);
  const job = ci[name] as Job | undefined;
  assert.ok(job, `${seen.at(-1) ?? 'a job'} extends "${name}", which is not a job of the file`);
  const parents = job.extends === undefined ? [] : Array.isArray(job.extends) ? job.extends : [job.extends];
  return Object.assign({}, ...parents.map((p) => resolved(p, [...seen, name])), job) as Job;
}

/** Shell words of one command line, up to a redirection or a list operator. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s"'|&;<>]+)|([|&;<>]+))/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null && m[0].trim() !== '') {
    if (m[4] !== undefined) break;
    out.push(m[1] ?? m[2] ?? m[3] ?? '');
  }
  return out;
}

function odoopsCalls(): { job: string; argv: string[] }[] {
  const calls: { job: string; argv: string[] }[] = [];
  for (const [name] of jobs) {
    const job = resolved(name);
    for (const block of [...(job.before_script ?? []), ...(job.script ?? [])]) {
      for (const line of block.split('\n')) if (/^\s*odoops\s/.test(line)) calls.push({ job: name, argv: words(line.trim()).slice(1) });
    }
  }
  return calls;
}

test('the YAML parses and every alias resolves to an anchor of the file', () => {
  assert.equal(doc.errors.map((e) => e.message), []);
  assert.equal(doc.warnings.map((e) => e.message), []);
  assert.ok(visible.length >= 5, visible.map(([k]) => k).join(', '));
  // Each *alias names an &anchor defined before it.
  const anchors = [...text.matchAll(/&([\w-]+)/g)].map((m) => m[1]);
  for (const [, alias] of text.matchAll(/\*([\w-]+)/g)) assert.ok(anchors.includes(alias), `alias *${alias} has an anchor`);
});

test('every job extends existing jobs, runs in a declared stage, and has rules', () => {
  for (const [name] of visible) {
    const job = resolved(name);
    assert.ok(job.stage && ci.stages.includes(job.stage), `${name}: stage "${job.stage}" is declared`);
    assert.ok(Array.isArray(job.rules) && job.rules.length > 0, `${name}: has rules`);
    for (const r of job.rules as { if?: string }[]) assert.type(r.if, 'string', `${name}: every rule has an if`);
    assert.ok((job.script ?? []).length > 0, `${name}: has a script`);
  }
  // The shared set-up is written once: the install lives in one hidden job every visible job extends.
  const installs = jobs.filter(([, j]) => (j.before_script ?? []).some((l) => l.includes('git clone')));
  assert.equal(installs.map(([k]) => k), ['.odoops']);
  for (const [name] of visible) assert.ok(resolved(name).before_script === (ci['.odoops'] as Job).before_script, `${name} uses the shared set-up`);
});

test('which pipeline runs what: plan on MRs only and without resource group; schedule runs drift and apply', () => {
  const ifs = (name: string) => (resolved(name).rules as { if: string }[]).map((r) => r.if);
  assert.equal(ifs('plan'), ['$CI_PIPELINE_SOURCE == "merge_request_event"']);
  assert.is(resolved('plan').resource_group, undefined, 'MR plans take no lock');
  for (const [name] of visible) {
    if (ifs(name).some((i) => i.includes('merge_request_event'))) assert.is(resolved(name).resource_group, undefined, `${name}: no resource group on MR pipelines`);
  }
  const scheduled = visible.filter(([k]) => ifs(k).some((i) => i.includes('"schedule"'))).map(([k]) => k).sort();
  assert.equal(scheduled, ['drift', 'scheduled-apply']);
  assert.match(resolved('drift').script!.join('\n'), /odoops drift .*--report --detailed-exitcode/);
  assert.ok(ifs('apply').every((i) => i.includes('$CI_DEFAULT_BRANCH')));
});

test('applies are sharded with --shard "$CI_NODE_INDEX/$CI_NODE_TOTAL" and take only pending clients', () => {
  for (const name of ['apply', 'scheduled-apply']) {
    const job = resolved(name);
    assert.type(job.parallel, 'number', `${name}: parallel`);
    assert.ok((job.parallel as number) >= 2);
    const call = odoopsCalls().find((c) => c.job === name && c.argv[0] === 'apply')!;
    assert.ok(call, `${name} runs odoops apply`);
    assert.is(call.argv[call.argv.indexOf('--shard') + 1], '$CI_NODE_INDEX/$CI_NODE_TOTAL');
    assert.ok(call.argv.includes('--only-pending'));
  }
});

test('secrets: the SSH key is a File variable (its path), never written out by a script; no registry install', () => {
  const scripts = jobs.flatMap(([, j]) => [...(j.before_script ?? []), ...(j.script ?? [])]).join('\n');
  assert.not.match(scripts, /SSH_PRIVATE_KEY|id_ed25519|ODOOPS_SSH_KEY/, 'odoops reads $ODOOPS_SSH_KEY (a file path) itself');
  assert.match(text, /ODOOPS_SSH_KEY\s+type File/);
  assert.not.match(scripts, /npx |npm (install|i) [^\n]*odoops|odoops@/, 'never a registry name');
});

test('odoops comes from a git URL pinned to a commit of this repository', () => {
  assert.match(ci.variables.ODOOPS_GIT_URL, /^https:\/\/.+\.git$/);
  assert.match(ci.variables.ODOOPS_COMMIT, /^[0-9a-f]{40}$/);
  const exists = spawnSync('git', ['-C', root, 'cat-file', '-e', `${ci.variables.ODOOPS_COMMIT}^{commit}`]);
  assert.is(exists.status, 0, `commit ${ci.variables.ODOOPS_COMMIT} exists in odoops' history`);
  const install = (ci['.odoops'] as Job).before_script!.join('\n');
  assert.match(install, /git clone [^\n]*"\$ODOOPS_GIT_URL"/);
  assert.match(install, /checkout [^\n]*"\$ODOOPS_COMMIT"/);
  assert.match(install, /npm ci /, 'dependencies from the lockfile');
});

test('every odoops command and flag the pipeline calls exists in odoops at the pinned commit', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odoops-pinned-'));
  try {
    const archive = spawnSync('sh', ['-c', 'git -C "$1" archive "$2" | tar -x -C "$3"', 'sh', root, ci.variables.ODOOPS_COMMIT, dir]);
    assert.is(archive.status, 0, String(archive.stderr));
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    const calls = odoopsCalls();
    assert.ok(calls.length >= 6, calls.map((c) => c.argv.join(' ')).join('\n'));
    const helpOf = new Map<string, string>();
    for (const { job, argv } of calls) {
      const command = argv[0]!.startsWith('-') ? '' : argv[0]!;
      if (!helpOf.has(command)) {
        const r = spawnSync(process.execPath, [path.join(dir, 'bin/odoops.mjs'), ...(command ? [command] : []), '--help'], { encoding: 'utf8' });
        assert.is(r.status, 0, `odoops ${command} --help: ${r.stderr}`);
        helpOf.set(command, r.stdout);
      }
      const help = helpOf.get(command)!;
      for (const flag of argv.filter((a) => a.startsWith('--') && a !== '--help')) {
        assert.ok(new RegExp(`(^|\\s|,)${flag}(\\s|$|=|\\[|<)`, 'm').test(help), `${job}: odoops ${command} has ${flag}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
