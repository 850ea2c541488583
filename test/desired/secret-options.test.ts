/**
 * Secrets in the desired state have one explicit form (issue 7, items 11 and 12): an option
 * value `{secret: env:NAME}`, addons `credentials: env:NAME`; a plain string never changes
 * meaning, and a URL never carries credentials (never echoed back either).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDocument } from 'yaml';
import { loadDesiredState, validateRepo } from '../../operator/desired/load.ts';
import { commit, exampleRepo, readExample } from './helpers.ts';

function acmeWith(edit: (doc: ReturnType<typeof parseDocument>) => void): { dir: string } {
  const repo = exampleRepo();
  const doc = parseDocument(readExample('clients/acme.yaml'));
  edit(doc);
  commit(repo.dir, { 'clients/acme.yaml': doc.toString() });
  return repo;
}

const messages = async (dir: string) => (await validateRepo({ repo: dir })).issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`);

test('a secret option validates and resolves to a typed {secret} value', async () => {
  const { dir } = acmeWith((d) => d.setIn(['instances', 'production', 'options', 'smtp_password'], { secret: 'env:SMTP_PASS_ACME' }));
  assert.equal(await messages(dir), []);
  const state = await loadDesiredState({ repo: dir });
  const prod = state.clients.find((c) => c.name === 'acme')!.instances.find((i) => i.name === 'production')!;
  assert.equal(prod.options.smtp_password, { secret: 'env:SMTP_PASS_ACME' });
});

test('a secret reference written as a plain option value is refused: it would reach odoo.conf as text', async () => {
  const { dir } = acmeWith((d) => d.setIn(['instances', 'production', 'options', 'smtp_password'], 'env:SMTP_PASS_ACME'));
  const m = await messages(dir);
  assert.ok(m.some((x) => /options\.smtp_password: "env:SMTP_PASS_ACME" is a secret reference written as a plain value .*write \{secret: env:SMTP_PASS_ACME\}/.test(x)), m.join('\n'));
});

test('a secret option must be exactly {secret: env:NAME | file:PATH}', async () => {
  const bad = acmeWith((d) => d.setIn(['instances', 'production', 'options', 'smtp_password'], { secret: 'hunter2-plain', extra: 1 }));
  const m = await messages(bad.dir);
  assert.ok(m.some((x) => /smtp_password: unknown key "extra"/.test(x)), m.join('\n'));
  assert.ok(m.some((x) => /smtp_password\.secret: (must be a secret reference env:NAME or file:PATH|looks like an inline secret)/.test(x)), m.join('\n'));
  assert.not.ok(m.some((x) => x.includes('"then"')), m.join('\n'));
  assert.not.ok(m.some((x) => x.includes('hunter2')), 'the value is never echoed');
});

test('credentials in an addons URL are refused and never echoed; credentials: env:NAME is the way', async () => {
  for (const url of ['https://deploy:hunter2-token@git.example.com/x.git', 'https://hunter2-token@git.example.com/x.git', 'ssh://git:hunter2-token@git.example.com/x.git']) {
    const { dir } = acmeWith((d) => d.setIn(['instances', 'production', 'addons', 0, 'url'], url));
    const m = await messages(dir);
    assert.ok(m.some((x) => /addons\[0\]\.url: .*must not carry credentials .*set `credentials: env:NAME`/.test(x)), `${url}: ${m.join('\n')}`);
    assert.not.ok(m.some((x) => x.includes('hunter2')), 'the credential is never echoed');
  }
  const ok = acmeWith((d) => {
    d.setIn(['instances', 'production', 'addons', 0, 'url'], 'ssh://git@git.example.com/x.git');
    d.setIn(['instances', 'test', 'addons', 0, 'credentials'], 'env:ADDONS_TOKEN');
  });
  assert.equal(await messages(ok.dir), [], 'a user name alone (ssh) and credentials on an https repository are fine');
  const sshCreds = acmeWith((d) => {
    d.setIn(['instances', 'production', 'addons', 0, 'url'], 'ssh://git@git.example.com/x.git');
    d.setIn(['instances', 'production', 'addons', 0, 'credentials'], 'env:ADDONS_TOKEN');
  });
  assert.ok((await messages(sshCreds.dir)).some((x) => /addons\[0\]\.credentials: credentials are given to git over https:\/\/ only/.test(x)));
});

test.run();
