/**
 * The invalid corpus: each test/desired/invalid/NN-name.yaml holds one mistake (an error, or
 * something that is only a warning, such as a window whose day fields cron ORs); the exact
 * expected `file:line:col: message` lines sit next to it in NN-name.expected. A client case
 * is committed as clients/zeta.yaml next to the example fleet; a `fleet-` case replaces
 * fleet.yaml (with the valid fixtures/zeta.yaml as client). Each case is a branch of one
 * temp repo, so this also reads many revisions.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { validateRepo } from '../../operator/desired/load.ts';
import { formatIssue } from '../../operator/desired/issues.ts';
import { commit, exampleRepo, git } from './helpers.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
const dir = path.join(here, 'invalid');
const cases = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
const zeta = fs.readFileSync(path.join(here, 'fixtures/zeta.yaml'), 'utf8');
let repo = '';

test.before(() => {
  repo = exampleRepo().dir;
  for (const c of cases) {
    const text = fs.readFileSync(path.join(dir, c), 'utf8');
    git(repo, 'checkout', '-q', '-B', `case-${c.replace(/\.yaml$/, '')}`, 'main');
    const files: Record<string, string> = /^\d+-fleet-/.test(c) ? { 'fleet.yaml': text, 'clients/zeta.yaml': zeta } : { 'clients/zeta.yaml': text };
    commit(repo, files, c);
  }
  git(repo, 'checkout', '-q', 'main');
});

test.after(() => {
  if (repo) fs.rmSync(repo, { recursive: true, force: true });
});

test('the corpus has at least 30 invalid files, each with its expected output', () => {
  assert.ok(cases.length >= 30, `${cases.length} cases`);
  for (const c of cases) assert.ok(fs.existsSync(path.join(dir, c.replace(/\.yaml$/, '.expected'))), `${c} has a .expected file`);
});

/** A fixed instant: messages that name next window openings stay the same from run to run. */
const at = new Date('2026-06-01T00:00:00Z');

test('the base client of the corpus is valid', async () => {
  git(repo, 'checkout', '-q', '-B', 'base', 'main');
  commit(repo, { 'clients/zeta.yaml': zeta }, 'base');
  git(repo, 'checkout', '-q', 'main');
  const r = await validateRepo({ repo, rev: 'base', at });
  assert.equal(r.issues.map(formatIssue), []);
  assert.is(r.clients, 4);
});

for (const c of cases) {
  test(`invalid/${c}`, async () => {
    const r = await validateRepo({ repo, rev: `case-${c.replace(/\.yaml$/, '')}`, at });
    const got = r.issues.map(formatIssue);
    const expectedFile = path.join(dir, c.replace(/\.yaml$/, '.expected'));
    if (process.env.ODOOPS_UPDATE_CORPUS === '1') fs.writeFileSync(expectedFile, got.join('\n') + '\n');
    const expected = fs.readFileSync(expectedFile, 'utf8').split('\n').filter(Boolean);
    assert.ok(expected.length > 0, 'a corpus file must be invalid');
    assert.equal(got, expected);
  });
}

test.run();
