/**
 * The reinstall's config change as a merge request (issue 8 item 5), against both fake forges
 * (test/forge/fake/) and a real bare git repository as the config repo's remote: one commit on
 * a new branch changing only the client file, pushed without touching the work tree, and an
 * MR opened from it; asking twice opens one; an existing branch is never overwritten.
 */
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withNewServer } from '../../operator/backup/config-patch.ts';
import { proposeChange, ProposalError, PROPOSAL_IDENTITY } from '../../operator/backup/config-proposal.ts';
import { openRepo } from '../../operator/desired/repo.ts';
import { ForgeError } from '../../operator/forge/errors.ts';
import { scenario } from '../forge/harness.ts';

const CLIENT = `# Acme: two instances
name: acme
server:
  host: 203.0.113.10 # the old one
  hostKey: SHA256:${'a'.repeat(43)}
instances:
  - name: production
`;
const NEW_KEY = `SHA256:${'b'.repeat(43)}`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_AUTHOR_NAME: 'dev', GIT_AUTHOR_EMAIL: 'dev@example.org', GIT_COMMITTER_NAME: 'dev', GIT_COMMITTER_EMAIL: 'dev@example.org' } }).trim();
}

/** A bare remote (default branch main) and a clone holding the config under config/. */
function configRepos(): { dir: string; bare: string; work: string; base: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odoops-proposal-'));
  const bare = path.join(dir, 'fleet-config.git');
  const work = path.join(dir, 'work');
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  git(dir, 'clone', '--quiet', bare, work);
  mkdirSync(path.join(work, 'config', 'clients'), { recursive: true });
  writeFileSync(path.join(work, 'config', 'fleet.yaml'), 'defaults: {}\n');
  writeFileSync(path.join(work, 'config', 'clients', 'acme.yaml'), CLIENT);
  writeFileSync(path.join(work, 'config', 'clients', 'beta.yaml'), 'name: beta\n');
  git(work, 'checkout', '--quiet', '-b', 'main');
  git(work, 'add', '.');
  git(work, 'commit', '--quiet', '-m', 'fleet');
  git(work, 'push', '--quiet', 'origin', 'main');
  return { dir, bare, work, base: git(work, 'rev-parse', 'HEAD') };
}

scenario('reinstall proposal: a commit on a new branch of the remote, and one MR from it', async ({ fake, forge, platform }) => {
  const r = configRepos();
  try {
    fake.useRepository(r.bare);
    const repo = await openRepo(path.join(r.work, 'config'));
    const content = withNewServer(CLIENT, '198.51.100.7', NEW_KEY);
    const change = { base: r.base, path: 'clients/acme.yaml', content, branch: 'odoops/reinstall-acme-20261201T2300', message: 'acme: reinstalled on 198.51.100.7\n' };
    const p = await proposeChange(repo, change, forge, { title: 'acme: reinstalled on 198.51.100.7', description: 'The patch:\n```diff\n...\n```' });

    // The branch on the remote: one commit on the base, changing only the client file.
    assert.is(git(r.bare, 'rev-parse', `refs/heads/${change.branch}`), p.commit);
    assert.is(git(r.bare, 'rev-parse', `${p.commit}^`), r.base);
    assert.is(git(r.bare, 'diff', '--name-only', r.base, p.commit), 'config/clients/acme.yaml');
    assert.is(`${git(r.bare, 'show', `${p.commit}:config/clients/acme.yaml`)}\n`, content);
    assert.match(content, /host: 198\.51\.100\.7 # the old one/);
    assert.is(git(r.bare, 'log', '-1', '--format=%an <%ae>|%s', p.commit), `${PROPOSAL_IDENTITY.name} <${PROPOSAL_IDENTITY.email}>|acme: reinstalled on 198.51.100.7`);
    assert.is(git(r.bare, 'rev-parse', 'refs/heads/main'), r.base, 'main is untouched');
    // The user's clone: same HEAD, clean work tree, no new local branch.
    assert.is(git(r.work, 'rev-parse', 'HEAD'), r.base);
    assert.is(git(r.work, 'status', '--porcelain'), '');
    assert.is(git(r.work, 'branch', '--list', 'odoops/*'), '');

    // The MR, from that branch to the remote's default branch, as the platform holds it.
    assert.is(p.targetBranch, 'main');
    assert.ok(p.mr.created);
    const mrs = fake.mergeRequests;
    assert.is(mrs.length, 1);
    assert.is(mrs[0]!.number, p.mr.number);
    assert.is(mrs[0]!.sourceBranch, change.branch);
    assert.is(mrs[0]!.targetBranch, 'main');
    assert.is(mrs[0]!.headSha, p.commit);
    assert.is(mrs[0]!.authorId, fake.bot.id);
    assert.match(mrs[0]!.description ?? '', /The patch:/);
    assert.match(p.mr.url, platform === 'gitlab' ? /\/-\/merge_requests\/\d+$/ : /\/pull\/\d+$/);

    // Asking again for the same branch returns the open MR.
    const again = await forge.openMergeRequest({ sourceBranch: change.branch, targetBranch: 'main', title: 'x', description: 'y' });
    assert.equal(again, { number: p.mr.number, url: p.mr.url, created: false });
    assert.is(fake.mergeRequests.length, 1);

    // The same branch name again: the push is refused (never forced), nothing else opened.
    const err = await proposeChange(repo, { ...change, content: withNewServer(CLIENT, '198.51.100.8', NEW_KEY) }, forge, { title: 't', description: 'd' }).catch((e: unknown) => e);
    assert.instance(err, ProposalError);
    assert.is((err as ProposalError).code, 'push-failed');
    assert.is(git(r.bare, 'rev-parse', `refs/heads/${change.branch}`), p.commit, 'the pushed branch is not overwritten');
    assert.is(fake.mergeRequests.length, 1);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

scenario('an MR from a branch the repository lacks is refused by the platform', async ({ fake, forge }) => {
  const r = configRepos();
  try {
    fake.useRepository(r.bare);
    const err = await forge.openMergeRequest({ sourceBranch: 'odoops/never-pushed', targetBranch: 'main', title: 't', description: 'd' }).catch((e: unknown) => e);
    assert.instance(err, ForgeError);
    assert.is((err as ForgeError).code, 'invalid');
    assert.not.ok((err as ForgeError).transient);
    assert.is(fake.mergeRequests.length, 0);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test('without a remote, no commit is pushed and the error says how to get the patch', async () => {
  const r = configRepos();
  try {
    git(r.work, 'remote', 'remove', 'origin');
    const repo = await openRepo(r.work);
    const forge = { openMergeRequest: () => Promise.reject(new Error('must not be called')) } as never;
    const err = await proposeChange(repo, { base: r.base, path: 'config/clients/acme.yaml', content: 'x\n', branch: 'b', message: 'm' }, forge, { title: 't', description: 'd' }).catch((e: unknown) => e);
    assert.instance(err, ProposalError);
    assert.is((err as ProposalError).code, 'no-remote');
    assert.match((err as Error).message, /--patch/);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test.run();
