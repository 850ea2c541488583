// The pure parts of operator/forge: webhook handling is a function of (headers, body,
// secret) and must stay free of I/O; access mapping and URL rules as plain data.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { githubAccess, gitlabAccess } from '../../operator/forge/access.ts';
import { githubApiUrl } from '../../operator/forge/github-http.ts';
import { gitlabMergeability } from '../../operator/forge/gitlab.ts';
import { githubMergeability, reviewDecisions } from '../../operator/forge/github.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function importsOf(file: string): string[] {
  const src = readFileSync(path.join(root, file), 'utf8');
  return [...src.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => (m[1] ?? m[2]) as string);
}

/** Modules webhook handling may reach: crypto for the checks, the parser, pure forge helpers, the schema. */
const PACKAGES = new Set(['node:crypto', 'commander', '@octokit/webhooks-methods']);
const LOCAL = /^operator\/forge\/(webhooks\/[\w-]+|types|comments|marker|split|issues|access|status)\.ts$|^operator\/util\/errors\.ts$|^schema\/client\.schema\.json$/;

test('operator/forge/webhooks and the helpers it uses import no I/O module', () => {
  const files = readdirSync(path.join(root, 'operator/forge/webhooks')).map((f) => `operator/forge/webhooks/${f}`);
  const seen = new Set<string>();
  const queue = [...files];
  const bad: string[] = [];
  while (queue.length) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) {
        if (!PACKAGES.has(spec)) bad.push(`${file}: ${spec}`);
        continue;
      }
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      if (!LOCAL.test(target)) bad.push(`${file}: ${spec}`);
      else if (target.endsWith('.ts')) queue.push(target);
    }
  }
  assert.ok(seen.size >= 8, `scanned ${seen.size} files`);
  assert.equal(bad, []);
});

test('access levels: GitLab Maintainer (40) and up may apply; GitHub write, maintain, admin may', () => {
  const u = { id: 1, username: 'u' };
  assert.equal(
    [10, 20, 30, 40, 50].map((l) => [gitlabAccess(u, l).level, gitlabAccess(u, l).mayApply]),
    [
      ['read', false],
      ['read', false],
      ['write', false],
      ['maintain', true],
      ['admin', true],
    ],
  );
  assert.is(gitlabAccess(u, 40).platformLevel, 'Maintainer (40)');
  const gh = (p: string, r: string | null) => [githubAccess(u, p, r).level, githubAccess(u, p, r).mayApply];
  assert.equal([gh('read', 'read'), gh('read', 'triage'), gh('write', 'write'), gh('write', 'maintain'), gh('admin', 'admin'), gh('write', 'deployer'), gh('none', null)], [
    ['read', false],
    ['read', false],
    ['write', true],
    ['maintain', true],
    ['admin', true],
    ['write', true],
    ['none', false],
  ]);
});

test('GitHub API root: github.com, Enterprise Server, or an API URL as given', () => {
  assert.is(githubApiUrl('https://github.com'), 'https://api.github.com');
  assert.is(githubApiUrl('https://github.com/'), 'https://api.github.com');
  assert.is(githubApiUrl('https://ghe.example.com'), 'https://ghe.example.com/api/v3');
  assert.is(githubApiUrl('https://ghe.example.com/api/v3'), 'https://ghe.example.com/api/v3');
  assert.is(githubApiUrl('https://api.github.com'), 'https://api.github.com');
});

test('mergeability and review decisions on one scale', () => {
  assert.equal(
    ['mergeable', 'checking', 'unchecked', 'conflict', 'not_approved', 'ci_must_pass', 'draft_status'].map((d) => gitlabMergeability({ detailed_merge_status: d }).state),
    ['mergeable', 'checking', 'checking', 'conflict', 'blocked', 'blocked', 'blocked'],
  );
  assert.is(gitlabMergeability({ merge_status: 'can_be_merged' }).state, 'mergeable');
  assert.equal(
    [
      { mergeable: null, mergeable_state: 'unknown' },
      { mergeable: false, mergeable_state: 'dirty' },
      { mergeable: true, mergeable_state: 'clean' },
      { mergeable: true, mergeable_state: 'unstable' },
      { mergeable: true, mergeable_state: 'blocked' },
      { mergeable: true, mergeable_state: 'behind' },
    ].map((p) => githubMergeability(p).state),
    ['checking', 'conflict', 'mergeable', 'mergeable', 'blocked', 'blocked'],
  );
  const r = (login: string, state: string) => ({ user: { id: login.length, login }, state });
  const d = reviewDecisions([r('ann', 'APPROVED'), r('bob', 'CHANGES_REQUESTED'), r('bob', 'COMMENTED'), r('ann', 'DISMISSED'), r('carl', 'APPROVED')]);
  assert.equal([d.approvedBy.map((u) => u.username), d.changesRequestedBy.map((u) => u.username)], [['carl'], ['bob']]);
});

test.run();
