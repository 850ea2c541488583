/**
 * Webhook deliveries for the MR-flow end-to-end tests, as the platforms send them: GitLab's
 * documented payloads (test/forge/fixtures/gitlab/) and GitHub's own examples
 * (@octokit/webhooks-examples), with the fields of one MR filled in, signed or carrying the
 * token, POSTed over HTTP to the operator.
 */
import type { FakeComment, FakeForge, FakeUser } from '../forge/fake/index.ts';
import type { HttpAnswer } from '../server/helpers.ts';
import { githubExample, gitlabExample, sendWebhook } from '../util/webhooks.ts';

export interface MrFacts {
  number: number;
  sourceBranch: string;
  targetBranch: string;
  headSha: string;
  title?: string;
}

export type MrHookAction = 'opened' | 'new-commits' | 'merged' | 'closed';

let seq = 0;

export class Hooks {
  constructor(
    readonly url: string,
    readonly fake: FakeForge,
    readonly secret: string,
  ) {}

  private post(body: unknown, event: { gitlab: string; github: string }, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const platform = this.fake.platform;
    return sendWebhook(this.url, platform, { event: event[platform], id: `delivery-${process.pid}-${++seq}`, secret: this.secret, body: JSON.stringify(body), headers });
  }

  mergeRequest(action: MrHookAction, mr: MrFacts, actor: FakeUser, extra: { previousHeadSha?: string; mergeCommitSha?: string } = {}, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    if (this.fake.platform === 'gitlab') {
      const p = gitlabExample('merge-request');
      p.user = { ...p.user, id: actor.id, username: actor.username };
      p.project.path_with_namespace = this.fake.project;
      const a = p.object_attributes;
      Object.assign(a, {
        iid: mr.number,
        title: mr.title ?? 'Change clients',
        url: `${this.fake.origin}/${this.fake.project}/-/merge_requests/${mr.number}`,
        source_branch: mr.sourceBranch,
        target_branch: mr.targetBranch,
        draft: false,
        work_in_progress: false,
        action: { opened: 'open', 'new-commits': 'update', merged: 'merge', closed: 'close' }[action],
      });
      a.last_commit = { ...a.last_commit, id: mr.headSha };
      if (action === 'new-commits') a.oldrev = extra.previousHeadSha;
      else delete a.oldrev;
      if (action === 'merged') a.merge_commit_sha = extra.mergeCommitSha;
      return this.post(p, { gitlab: 'Merge Request Hook', github: '' }, headers);
    }
    const p = githubExample('pull_request', (e) => e.action === 'opened');
    p.action = { opened: 'opened', 'new-commits': 'synchronize', merged: 'closed', closed: 'closed' }[action];
    p.number = mr.number;
    p.repository.full_name = this.fake.project;
    p.sender = { ...p.sender, id: actor.id, login: actor.username };
    Object.assign(p.pull_request, {
      number: mr.number,
      title: mr.title ?? 'Change clients',
      html_url: `${this.fake.origin}/${this.fake.project}/pull/${mr.number}`,
      draft: false,
      merged: action === 'merged',
      merge_commit_sha: action === 'merged' ? extra.mergeCommitSha : null,
    });
    p.pull_request.head = { ...p.pull_request.head, ref: mr.sourceBranch, sha: mr.headSha };
    p.pull_request.base = { ...p.pull_request.base, ref: mr.targetBranch };
    if (action === 'new-commits') p.before = extra.previousHeadSha;
    return this.post(p, { gitlab: '', github: 'pull_request' });
  }

  /** A comment posted on the fake forge by `author`, then its delivery. */
  async comment(number: number, author: FakeUser, body: string): Promise<{ answer: HttpAnswer; comment: FakeComment }> {
    const c = this.fake.addComment(number, author, body);
    if (this.fake.platform === 'gitlab') {
      const p = gitlabExample('note-merge-request');
      p.user = { ...p.user, id: author.id, username: author.username };
      p.project.path_with_namespace = this.fake.project;
      Object.assign(p.object_attributes, { id: c.id, note: body, noteable_type: 'MergeRequest', system: false, action: 'create', discussion_id: c.discussionId, author_id: author.id });
      p.merge_request = { ...p.merge_request, iid: number };
      return { answer: await this.post(p, { gitlab: 'Note Hook', github: '' }), comment: c };
    }
    const p = githubExample('issue_comment', (e) => e.action === 'created');
    p.repository.full_name = this.fake.project;
    p.sender = { ...p.sender, id: author.id, login: author.username };
    p.issue = { ...p.issue, number, pull_request: { url: `${this.fake.url}/repos/${this.fake.project}/pulls/${number}` } };
    p.comment = { ...p.comment, id: c.id, body, user: { ...p.comment.user, id: author.id, login: author.username }, html_url: `${this.fake.origin}/${this.fake.project}/pull/${number}#issuecomment-${c.id}` };
    return { answer: await this.post(p, { gitlab: '', github: 'issue_comment' }), comment: c };
  }
}
