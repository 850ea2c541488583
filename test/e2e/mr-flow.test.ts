/**
 * The operator end to end, on GitLab and on GitHub: a sandbox fleet (real sshd, PostgreSQL,
 * stand-ins), a bare config repo as the remote the operator mirrors (file:// URL), a fake
 * forge over HTTP, webhooks as the platforms send them, and an injected clock.
 *
 *   push a branch + MR webhook  -> one sticky plan comment, odoops/plan pending -> success
 *   push again                  -> the same comment edited
 *   `odoops apply` by a user without access -> refused with the reason, nothing applied
 *   `odoops apply` by a maintainer on the approved MR -> applied where the window is open,
 *                                  the client held for the MR
 *   a second MR on the held client -> "queued behind" the first, odoops/plan pending
 *   merge -> apply comment; test converged at once, production "queued until <its window>"
 *   operator restart, clock at the window -> production applied, odoops/apply success
 *   `odoops apply -i nosuch` -> refused, naming the instances there are
 *   (GitHub) `odoops apply -c C -i test` -> only test applied, production left as it was
 *   a hand edit on production, scheduled drift -> the drift issue opened, nothing reverted
 *   operator.selfHeal + the next fire inside the window -> reverted, the issue closed after
 *
 * Nothing of odoops is mocked: the operator is startMrOperator, as `odoops serve` runs it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDesiredState } from '../../operator/desired/load.ts';
import { createForge } from '../../operator/forge/index.ts';
import type { ForgePlatform } from '../../operator/forge/types.ts';
import { sandboxExec } from '../../operator/sandbox/index.ts';
import { startMrOperator, type MrOperator } from '../../operator/server/mr/index.ts';
import { startFakeForge, type FakeForge } from '../forge/fake/index.ts';
import { FakeClock, captureLog } from '../server/helpers.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';
import { editYaml, gitIn as git } from '../util/config-edit.ts';
import { Hooks } from './mr-hooks.ts';

const SECRET = 'e2e-hook-secret-7c1f0a9d';

interface Ctx {
  info?: SandboxInfo;
  remote?: string;
}

const e2e = suite<Ctx>('MR flow end to end');


function commitAll(dir: string, message: string): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', message);
  return git(dir, 'rev-parse', 'HEAD');
}

e2e.before(async (ctx) => {
  ctx.info = await startSandbox(2);
  const base = mkdtempSync(path.join(os.tmpdir(), 'odoops-mr-e2e-'));
  ctx.remote = path.join(base, 'config.git');
  git(base, 'clone', '-q', '--bare', ctx.info.repoDir, ctx.remote);
  // The operator's mirror of the config repo lives here, not in the user's cache.
  process.env.XDG_CACHE_HOME = path.join(base, 'cache');
});

e2e.after(async (ctx) => {
  await stopSandbox(ctx.info);
});

interface Scenario {
  platform: ForgePlatform;
  client: string;
  zone: string;
  /** Test's window open, production's closed. */
  start: string;
  /** Production's next opening as the plan must announce it, and as ISO. */
  productionOpening: { text: string; iso: string };
  /** Inside production's window. */
  inWindow: string;
  /** A user whose access does not allow `odoops apply`. */
  outsider: { name: string; role: 'write' | 'read'; says: RegExp };
  /** After three daily drift fires (06:00 Europe/Paris); the second inside production's window. */
  driftFires: [string, string, string];
}

const SCENARIOS: Scenario[] = [
  {
    platform: 'gitlab',
    client: 'acme',
    zone: 'Europe/Paris',
    start: '2026-12-07T09:00:00Z', // Mon 10:00 Paris: test open (Mon-Fri 08:00, 10h)
    productionOpening: { text: 'Sun 13 Dec 02:00 Europe/Paris', iso: '2026-12-13T01:00:00.000Z' },
    inWindow: '2026-12-13T01:30:00Z',
    outsider: { name: 'dev', role: 'write', says: /@dev has Developer \(30\) access on this project; `odoops apply` needs Maintainer \(40\) or more/ },
    driftFires: ['2026-12-14T12:00:00Z', '2026-12-20T01:30:00Z', '2026-12-20T12:00:00Z'],
  },
  {
    platform: 'github',
    client: 'boreal',
    zone: 'America/Montreal',
    start: '2026-12-07T15:00:00Z', // Mon 10:00 Montreal: test open (Mon-Fri 09:00, 8h)
    productionOpening: { text: 'Sat 12 Dec 20:00 America/Montreal', iso: '2026-12-13T01:00:00.000Z' },
    inWindow: '2026-12-13T01:30:00Z',
    outsider: { name: 'reader', role: 'read', says: /@reader has read access on this project; `odoops apply` needs write, maintain or admin/ },
    driftFires: ['2026-12-21T12:00:00Z', '2026-12-27T01:30:00Z', '2026-12-27T12:00:00Z'],
  },
];

function botComments(fake: FakeForge, mr: number, topic: string) {
  return fake.comments(mr).filter((c) => c.authorId === fake.bot.id && c.body.startsWith(`<!-- odoops:comment topic=${topic} `));
}

function statusStates(fake: FakeForge, sha: string, context: string): string[] {
  return fake.statuses(sha).filter((s) => s.context === context).map((s) => s.state);
}

/** States odoops posted for a commit and context, in order (GitLab moves one status from pending in place). */
function statusPosts(fake: FakeForge, sha: string, context: string): string[] {
  return fake
    .callsTo('POST', /\/statuses\/[0-9a-f]{40}$/)
    .filter((c) => c.path.endsWith(sha) && ((c.body as { name?: string; context?: string }).name ?? (c.body as { context?: string }).context) === context)
    .map((c) => (c.body as { state: string }).state);
}

async function confWorkers(info: SandboxInfo, client: string, instance: string): Promise<string> {
  const r = await sandboxExec(info, client, ['grep', '^workers', `/srv/odoo/${instance}/odoo.conf`]);
  return r.stdout.trim();
}

for (const sc of SCENARIOS) {
  e2e(`${sc.platform}: plan comment, edited on push, refused and accepted commands, queued behind a hold, apply on merge inside windows, across a restart`, async ({ info, remote }) => {
    const fake = await startFakeForge({ platform: sc.platform });
    const lead = fake.addUser('lead', { role: 'maintain' });
    const outsider = fake.addUser(sc.outsider.name, { role: sc.outsider.role });
    const work = mkdtempSync(path.join(os.tmpdir(), `odoops-mr-work-${sc.platform}-`));
    git(work, 'clone', '-q', remote!, '.');
    // The config repo names this forge, its token and its webhook secret (references).
    editYaml(path.join(work, 'fleet.yaml'), (doc) => {
      doc.setIn(['operator', 'forge'], doc.createNode({ kind: sc.platform, url: fake.url, project: fake.project, token: 'env:E2E_FORGE_TOKEN', webhookSecret: 'env:E2E_HOOK_SECRET' }));
    });
    commitAll(work, `forge: ${sc.platform}`);
    git(work, 'push', '-q', 'origin', 'HEAD:main');
    process.env.E2E_FORGE_TOKEN = fake.botToken;
    process.env.E2E_HOOK_SECRET = SECRET;

    const remoteUrl = `file://${remote}`;
    const clock = new FakeClock(sc.start);
    const log = captureLog(new Set([SECRET, fake.botToken]));
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'odoops-mr-state-'));
    const startOp = async (): Promise<MrOperator> => {
      const desired = await loadDesiredState({ repo: remoteUrl });
      const forge = createForge(desired.fleet.operator.forge!);
      return startMrOperator({
        listen: { host: '127.0.0.1', port: 0 },
        stateDir,
        concurrency: 2,
        intervalMs: 3_600_000,
        autoTick: false,
        log: log.log,
        clock,
        repo: remoteUrl,
        forge,
        webhookSecret: SECRET,
        settings: { ssh: { privateKeyPath: info!.privateKeyPath, readyTimeoutMs: 15_000 }, concurrency: 4 },
      });
    };
    let op = await startOp();
    // Level-triggered: what a delivery queued, then what a pass finds due, until nothing is left.
    const settle = async () => {
      await op.queue.idle();
      await op.tick();
      await op.queue.idle();
    };
    const client = sc.client;
    const file = path.join(work, 'clients', `${client}.yaml`);
    /**
     * odoops/apply as the instances alone would make it, unless the run failed outside the
     * instances (the files odoops keeps on the server, operator/managed/): then failed, as the
     * typed result says. Sandbox servers have no systemd, so reloading sshd or NRPE fails
     * there today; the instances' outcomes are asserted strictly either way.
     */
    const expectedApply = (number: number, whenInstancesOk: 'pending' | 'success'): string => {
      const c = op.store.mrRecord({ platform: sc.platform, project: fake.project, number })?.apply?.clients[client];
      const outside = c?.status === 'failed' && c.instances.every((i) => !['failed', 'rolled-back', 'blocked'].includes(i.outcome));
      if (outside) process.stderr.write(`${sc.platform}: ${client} failed outside its instances: ${c!.note}\n`);
      return outside ? (sc.platform === 'github' ? 'failure' : 'failed') : whenInstancesOk;
    };
    try {
      const mainSha = git(work, 'rev-parse', 'HEAD');
      const productionBefore = await confWorkers(info!, client, 'production');
      // --- an MR changing both instances
      git(work, 'checkout', '-qb', `${sc.platform}-workers`);
      editYaml(file, (doc) => {
        doc.setIn(['instances', 'production', 'options', 'workers'], 3);
        doc.setIn(['instances', 'test', 'options', 'workers'], 3);
      });
      const head1 = commitAll(work, 'more workers');
      git(work, 'push', '-q', 'origin', `${sc.platform}-workers`);
      const mr = fake.seedMergeRequest({ author: lead, sourceBranch: `${sc.platform}-workers`, headSha: head1, targetSha: mainSha, files: [{ path: `clients/${client}.yaml`, status: 'modified' }] });
      const facts = { number: mr.number, sourceBranch: `${sc.platform}-workers`, targetBranch: 'main', headSha: head1 };
      let hooks = new Hooks(op.url, fake, SECRET);

      const forged = await new Hooks(op.url, fake, 'not-the-secret').mergeRequest('opened', facts, lead);
      assert.is(forged.status, 401, 'a delivery without the secret is refused');
      assert.equal(op.queue.snapshot(), { queued: [], running: [] }, 'and nothing runs');

      assert.is((await hooks.mergeRequest('opened', facts, lead)).status, 202);
      await settle();
      let plans = botComments(fake, mr.number, 'plan');
      assert.is(plans.length, 1, 'one plan comment');
      const planBody = plans[0]!.body;
      assert.match(planBody, `**odoops plan** at \`${head1.slice(0, 12)}\``);
      assert.match(planBody, /1 client · 2 instances to change · \d+ changes · 0 blocked/);
      assert.match(planBody, `| ${client} | test |`);
      assert.match(planBody, `| ${client} | production |`);
      assert.match(planBody, `next opening ${sc.productionOpening.text}`);
      assert.match(planBody, `<details><summary><b>${client}/production</b>`);
      assert.match(planBody, `**On merge:** \`${client}/test\` apply at once; \`${client}/production\` queued until ${sc.productionOpening.text}.`);
      assert.equal(statusStates(fake, head1, 'odoops/plan').at(-1), 'success');
      assert.equal(statusPosts(fake, head1, 'odoops/plan'), ['pending', 'success'], 'pending while planning, then success');

      // --- push again: the same comment, edited
      editYaml(file, (doc) => doc.setIn(['instances', 'test', 'options', 'workers'], 4));
      const head2 = commitAll(work, 'even more workers on test');
      git(work, 'push', '-q', 'origin', `${sc.platform}-workers`);
      fake.pushCommits(mr.number, head2);
      fake.clearCalls();
      assert.is((await hooks.mergeRequest('new-commits', { ...facts, headSha: head2 }, lead, { previousHeadSha: head1 })).status, 202);
      await settle();
      plans = botComments(fake, mr.number, 'plan');
      assert.is(plans.length, 1, 'still one plan comment');
      assert.match(plans[0]!.body, `at \`${head2.slice(0, 12)}\``);
      assert.is(fake.callsTo(sc.platform === 'gitlab' ? 'PUT' : 'PATCH', /\/notes\/\d+$|\/issues\/comments\/\d+$/).length, 1, 'edited in place');
      assert.is(fake.callsTo('POST', /\/notes$|\/issues\/\d+\/comments$/).length, 0, 'no new comment');
      assert.equal(statusStates(fake, head2, 'odoops/plan').at(-1), 'success');

      // --- a command from a user without access: refused, with the reason
      const refused = await hooks.comment(mr.number, outsider, 'odoops apply');
      assert.is(refused.answer.status, 202);
      await settle();
      const replies = fake.comments(mr.number).filter((c) => c.authorId === fake.bot.id && c.body.includes('`odoops apply` refused'));
      assert.is(replies.length, 1, 'one reply');
      assert.match(replies[0]!.body, sc.outsider.says);
      assert.ok(refused.comment.awards.some((a) => a.userId === fake.bot.id), 'the command was acknowledged with a reaction');
      assert.is(op.store.heldBy(client), null, 'nothing held');
      assert.is(botComments(fake, mr.number, 'apply').length, 0, 'nothing applied');

      // --- the maintainer applies the approved MR before merge: applied where open, client held
      fake.review(mr.number, lead, 'APPROVED');
      await hooks.comment(mr.number, lead, `odoops apply -c ${client} -i nosuch`);
      await settle();
      const noInstance = fake.comments(mr.number).filter((c) => c.authorId === fake.bot.id && c.body.includes('`odoops apply` refused: no instance `nosuch`'));
      assert.is(noInstance.length, 1, 'an unknown instance is refused with a reply');
      assert.match(noInstance[0]!.body, 'instances: test, production');
      assert.is(op.store.heldBy(client), null, 'a refused command holds nothing');
      // GitLab applies the whole client, GitHub only its test instance (`-i`).
      const onlyTest = sc.platform === 'github';
      await hooks.comment(mr.number, lead, `odoops apply -c ${client}${onlyTest ? ' -i test' : ''}`);
      await settle();
      assert.is(op.store.heldBy(client)?.mr.number, mr.number, `${client} held for the MR`);
      let applyBody = botComments(fake, mr.number, 'apply')[0]?.body ?? '';
      assert.match(applyBody, `\`${client}/test\`: applied`);
      if (onlyTest) assert.match(applyBody, `\`${client}/production\`: skipped: not selected (odoops apply -i)`);
      else assert.match(applyBody, `\`${client}/production\`: queued until ${sc.productionOpening.text}`);
      assert.is(await confWorkers(info!, client, 'test'), 'workers = 4', 'test converged at the MR head');
      assert.is(statusStates(fake, head2, 'odoops/apply').at(-1), expectedApply(mr.number, 'pending'), 'odoops/apply pending while production waits');

      // --- a second MR on the held client: queued behind the first (pending, not failed)
      git(work, 'checkout', '-qb', `${sc.platform}-second`, mainSha);
      editYaml(file, (doc) => doc.setIn(['instances', 'test', 'options', 'workers'], 5));
      const head3 = commitAll(work, 'other change');
      git(work, 'push', '-q', 'origin', `${sc.platform}-second`);
      const mr2 = fake.seedMergeRequest({ author: lead, sourceBranch: `${sc.platform}-second`, headSha: head3, targetSha: mainSha });
      await hooks.mergeRequest('opened', { number: mr2.number, sourceBranch: `${sc.platform}-second`, targetBranch: 'main', headSha: head3 }, lead);
      await settle();
      const label = `${sc.platform === 'gitlab' ? '!' : '#'}${mr.number}`;
      const plan2 = botComments(fake, mr2.number, 'plan')[0]?.body ?? `no plan comment; jobs: ${JSON.stringify(log.lines.filter((l) => l.event === 'job-finished').slice(-3))}`;
      assert.match(plan2, `queued behind ${label}`, plan2);
      const st2 = fake.statuses(head3).filter((s) => s.context === 'odoops/plan').at(-1)!;
      assert.is(st2.state, 'pending', 'pending, not failed');
      // GitLab keeps a pending status's first description (pending -> pending is refused): both say it.
      assert.match(st2.description ?? '', `queued behind ${label}`);

      // --- merge the first MR: apply at the merge commit, production queued until its window
      git(work, 'checkout', '-q', 'main');
      git(work, 'merge', '-q', '--no-ff', '-m', 'Merge workers', `${sc.platform}-workers`);
      const mergeSha = git(work, 'rev-parse', 'HEAD');
      git(work, 'push', '-q', 'origin', 'main');
      fake.merge(mr.number, mergeSha);
      await hooks.mergeRequest('merged', { ...facts, headSha: head2 }, lead, { mergeCommitSha: mergeSha });
      await settle();
      assert.is(op.store.heldBy(client), null, 'the merge released the hold');
      const pending = op.store.state.pendingApplies[client];
      assert.is(pending?.revision, mergeSha);
      assert.equal(Object.keys(pending!.instances), ['production']);
      assert.is(pending!.instances.production!.nextOpening, sc.productionOpening.iso);
      applyBody = botComments(fake, mr.number, 'apply')[0]!.body;
      assert.match(applyBody, `**odoops apply** at \`${mergeSha.slice(0, 12)}\``);
      assert.match(applyBody, `\`${client}/production\`: queued until ${sc.productionOpening.text}`);
      assert.equal(statusStates(fake, head2, 'odoops/apply').at(-1), expectedApply(mr.number, 'pending'));
      assert.is(await confWorkers(info!, client, 'production'), productionBefore, 'production untouched outside its window');

      // --- the operator restarts; the clock reaches the window: production applied
      await op.stop();
      op = await startOp();
      hooks = new Hooks(op.url, fake, SECRET);
      clock.set(sc.inWindow);
      await settle();
      assert.is(op.store.state.pendingApplies[client], undefined, 'nothing left queued');
      assert.is(await confWorkers(info!, client, 'production'), 'workers = 3', 'production converged');
      applyBody = botComments(fake, mr.number, 'apply')[0]!.body;
      assert.match(applyBody, `\`${client}/production\`: applied`);
      assert.is(botComments(fake, mr.number, 'apply').length, 1, 'one apply comment, edited');
      assert.equal(statusStates(fake, head2, 'odoops/apply').at(-1), expectedApply(mr.number, 'success'));

      // --- closing the second MR is quiet and leaves nothing held
      await hooks.mergeRequest('closed', { number: mr2.number, sourceBranch: `${sc.platform}-second`, targetBranch: 'main', headSha: head3 }, lead);
      await settle();
      assert.equal(op.store.state.holds, {});

      // --- a hand edit on production; the scheduled drift reports it in the issue, reverts nothing
      await sandboxExec(info!, client, ['sed', '-i', 's/^workers = .*/workers = 7/', '/srv/odoo/production/odoo.conf']);
      clock.set(sc.driftFires[0]);
      await settle();
      const driftIssue = () => fake.issues.filter((i) => i.authorId === fake.bot.id && i.labels.includes('drift'));
      assert.is(driftIssue().length, 1, 'one drift issue');
      assert.is(driftIssue()[0]!.state, 'open');
      assert.match(driftIssue()[0]!.title, /drifting/);
      assert.match(driftIssue()[0]!.body, `**${client}/production**`);
      assert.match(driftIssue()[0]!.body, 'options.workers');
      assert.is(await confWorkers(info!, client, 'production'), 'workers = 7', 'report-only: nothing reverted');
      assert.is(op.store.state.drift.clients[client]?.result, 'drifted');

      // --- the client opts in to self-heal: the next fire, inside the window, puts the server back
      git(work, 'checkout', '-q', 'main');
      editYaml(path.join(work, 'fleet.yaml'), (doc) => doc.setIn(['operator', 'selfHeal'], doc.createNode([client])));
      commitAll(work, `self-heal ${client}`);
      git(work, 'push', '-q', 'origin', 'main');
      clock.set(sc.driftFires[1]);
      await settle();
      await settle();
      assert.is(await confWorkers(info!, client, 'production'), 'workers = 3', 'self-heal reverted the hand edit');
      assert.ok(log.lines.some((l) => l.event === 'self-heal' && l.client === client), 'the self-heal is logged');
      clock.set(sc.driftFires[2]);
      await settle();
      assert.is(driftIssue().length, 1, 'still one drift issue');
      assert.is(driftIssue()[0]!.state, 'closed', 'closed once the fleet is back in sync');
      assert.not.ok(log.raw.some((l) => l.includes(SECRET) || l.includes(fake.botToken)), 'no secret in the logs');
      const failedJobs = log.lines.filter((l) => l.event === 'job-finished' && l.error !== undefined);
      assert.equal(failedJobs, [], 'no job threw');
    } catch (err) {
      // What the MRs show and what the jobs said, to read a failure without rerunning.
      for (const m of fake.state.mrs) for (const c of botComments(fake, m.number, 'plan').concat(botComments(fake, m.number, 'apply'))) process.stderr.write(`--- ${sc.platform} MR ${m.number}\n${c.body}\n`);
      process.stderr.write(`${log.lines.filter((l) => l.event === 'job-finished' || l.event === 'pending-apply').map((l) => JSON.stringify(l)).join('\n')}\n`);
      throw err;
    } finally {
      await op.stop();
      await fake.close();
    }
  });
}

e2e.run();
