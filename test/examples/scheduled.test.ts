/**
 * The pipeline of examples/gitlab-ci/ run for real on the sandbox: the scripts of its jobs
 * (read from the YAML, run by bash with the CI variables GitLab sets, `odoops` on the PATH,
 * the SSH key as a File variable) against the sandbox's config repo. A change merged while
 * production's window is closed is not applied by the default-branch pipeline; the first
 * scheduled pipeline inside the window applies it, and its drift job passes with the issue
 * left closed. The clock is set by ODOOPS_NOW.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseDocument } from 'yaml';
import { sandboxExec } from '../../operator/sandbox/index.ts';
import { startFakeForge, type FakeForge } from '../forge/fake/index.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ci = parse(readFileSync(path.join(root, 'examples/gitlab-ci/.gitlab-ci.yml'), 'utf8')) as Record<string, { script?: string[]; parallel?: number; extends?: string }>;
const TUESDAY = '2026-12-01T10:00:00+01:00';
const TUESDAY_LATER = '2026-12-01T11:00:00+01:00';
const SUNDAY = '2026-12-06T02:30:00+01:00';

interface Ctx { info?: SandboxInfo; fake?: FakeForge; bin?: string }
const t = suite<Ctx>('gitlab-ci example: a merge outside the window is applied by the first scheduled run inside it');

function git(repo: string, ...args: string[]): string {
  const r = spawnSync('git', ['-C', repo, '-c', 'user.email=t@odoops.invalid', '-c', 'user.name=t', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Runs one job's script as GitLab would (bash, stop at the first failing line), every shard. */
async function runJob(ctx: Ctx, job: string, now: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }[]> {
  const def = ci[job]!;
  const parallel = def.parallel ?? (def.extends ? ci[def.extends]?.parallel : undefined);
  const script = def.script ?? ci[def.extends!]!.script!;
  const runs = [];
  for (let index = 1; index <= (parallel ?? 1); index++) {
    runs.push(
      await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
        const child = spawn('bash', ['-e', '-c', script.join('\n')], {
          cwd: ctx.info!.repoDir,
          env: {
            ...process.env,
            PATH: `${ctx.bin}:${process.env.PATH}`,
            CI: 'true',
            CI_COMMIT_SHA: git(ctx.info!.repoDir, 'rev-parse', 'HEAD'),
            CI_DEFAULT_BRANCH: git(ctx.info!.repoDir, 'rev-parse', '--abbrev-ref', 'HEAD'),
            CI_PIPELINE_SOURCE: job === 'apply' ? 'push' : job === 'plan' ? 'merge_request_event' : 'schedule',
            ...(parallel ? { CI_NODE_INDEX: String(index), CI_NODE_TOTAL: String(parallel) } : {}),
            // A File-type variable: GitLab writes the value to a file and sets the variable to its path.
            ODOOPS_SSH_KEY: ctx.info!.privateKeyPath,
            ODOOPS_GITLAB_TOKEN: ctx.fake!.botToken,
            ODOOPS_NOW: now,
            ...env,
          },
        });
        let output = '';
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, output }));
      }),
    );
  }
  return runs;
}

async function recorded(info: SandboxInfo): Promise<Record<string, { revision: string }>> {
  const r = await sandboxExec(info, 'acme', ['cat', '/var/lib/odoops/state.json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as { instances: Record<string, { revision: string }> }).instances : {};
}

t.before(async (ctx) => {
  ctx.info = await startSandbox(1);
  ctx.fake = await startFakeForge({ platform: 'gitlab' });
  ctx.bin = mkdtempSync(path.join(os.tmpdir(), 'odoops-bin-'));
  writeFileSync(path.join(ctx.bin, 'odoops'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(root, 'bin/odoops.mjs')}" "$@"\n`);
  chmodSync(path.join(ctx.bin, 'odoops'), 0o755);
  // fleet.yaml operator.forge as the example's: token env:ODOOPS_GITLAB_TOKEN; here the fake GitLab.
  const file = path.join(ctx.info.repoDir, 'fleet.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(['operator', 'forge'], doc.createNode({ kind: 'gitlab', url: ctx.fake.url, project: ctx.fake.project, token: 'env:ODOOPS_GITLAB_TOKEN' }));
  writeFileSync(file, doc.toString());
  git(ctx.info.repoDir, 'add', '-A');
  git(ctx.info.repoDir, 'commit', '-qm', 'operator.forge');
});

t.after(async (ctx) => {
  await ctx.fake?.close();
  await stopSandbox(ctx.info);
  if (ctx.bin) rmSync(ctx.bin, { recursive: true, force: true });
});

t('merge on Tuesday: the default-branch apply waits; the Sunday schedule applies it; drift passes', async (ctx) => {
  const { info } = ctx;
  // The fleet as odoops left it on Tuesday morning (test applied, production waiting).
  const first = await runJob(ctx, 'apply', TUESDAY);
  for (const r of first) assert.is(r.code, 0, r.output);
  assert.ok((await recorded(info!)).test, 'test applied on Tuesday');

  // A merge request changes production; its pipeline posts one plan comment, edited in place.
  const base = git(info!.repoDir, 'rev-parse', 'HEAD');
  const file = path.join(info!.repoDir, 'clients', 'acme.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const workers = Number(doc.getIn(['instances', 'production', 'options', 'workers'])) + 2;
  doc.setIn(['instances', 'production', 'options', 'workers'], workers);
  writeFileSync(file, doc.toString());
  git(info!.repoDir, 'add', '-A');
  git(info!.repoDir, 'commit', '-qm', 'acme production: more workers');
  const merged = git(info!.repoDir, 'rev-parse', 'HEAD');
  const mr = ctx.fake!.seedMergeRequest({ files: [{ path: 'clients/acme.yaml', status: 'modified' }], headSha: merged, targetSha: base });
  const mrEnv = { CI_MERGE_REQUEST_IID: String(mr.number), CI_MERGE_REQUEST_DIFF_BASE_SHA: base };
  for (let i = 0; i < 2; i++) {
    const [plan] = await runJob(ctx, 'plan', TUESDAY_LATER, mrEnv);
    assert.is(plan!.code, 0, plan!.output);
    const mine = ctx.fake!.comments(mr.number).filter((c) => c.body.includes('odoops:comment topic=plan'));
    assert.is(mine.length, 1, 'one sticky plan comment, whatever the number of pipelines');
    assert.match(mine[0]!.body, /acme/);
    assert.match(mine[0]!.body, /workers/);
  }
  // (Merged: the default branch is at the MR's head.)

  const push = await runJob(ctx, 'apply', TUESDAY_LATER);
  assert.is(push.length, ci['.apply']!.parallel, 'one run per shard');
  for (const r of push) assert.is(r.code, 0, r.output);
  assert.is((await recorded(info!)).production, undefined, 'production not applied outside its window');
  const before = await sandboxExec(info!, 'acme', ['grep', '^workers', '/srv/odoo/production/odoo.conf']);
  assert.is.not(before.stdout.trim(), `workers = ${workers}`);

  // The schedule's drift job on Tuesday: pending only, so it passes and opens no issue.
  const tuesdayDrift = await runJob(ctx, 'drift', TUESDAY_LATER);
  assert.is(tuesdayDrift[0]!.code, 0, tuesdayDrift[0]!.output);
  assert.match(tuesdayDrift[0]!.output, /acme\/production: pending/);
  assert.is(ctx.fake!.issues.length, 0);

  // The first scheduled pipeline inside the window.
  const scheduled = await runJob(ctx, 'scheduled-apply', SUNDAY);
  for (const r of scheduled) assert.is(r.code, 0, r.output);
  const applied = scheduled.filter((r) => /applied/.test(r.output) && /production/.test(r.output));
  assert.is(applied.length, 1, `exactly one shard applied acme:\n${scheduled.map((r) => r.output).join('\n---\n')}`);
  assert.is((await recorded(info!)).production?.revision, merged, 'production records the merged revision');
  const after = await sandboxExec(info!, 'acme', ['grep', '^workers', '/srv/odoo/production/odoo.conf']);
  assert.is(after.stdout.trim(), `workers = ${workers}`);

  const drift = await runJob(ctx, 'drift', SUNDAY);
  assert.is(drift[0]!.code, 0, drift[0]!.output);
  assert.match(drift[0]!.output, /Summary: no drift, 1 in sync/);
  assert.is(ctx.fake!.issues.length, 0, 'a clean fleet opens no issue');
});

t.run();
