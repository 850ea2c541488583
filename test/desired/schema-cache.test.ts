/**
 * The compiled schema validators kept in node_modules/.cache/odoops/ (operator/desired/schema.ts)
 * report exactly what freshly compiled ones report: the invalid corpus validated through
 * `odoops validate` with the cache off (compiled in the process) and with it on (loaded from
 * the cache file, written by the first cached run if absent) gives the same lines.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commit, exampleRepo, git } from './helpers.ts';

const bin = fileURLToPath(new URL('../../bin/odoops.mjs', import.meta.url));
const cacheDir = fileURLToPath(new URL('../../node_modules/.cache/odoops/', import.meta.url));
const invalid = fileURLToPath(new URL('./invalid/', import.meta.url));

function validate(repo: string, rev: string, cache: 'on' | 'off'): string {
  const r = spawnSync(process.execPath, [bin, 'validate', '--repo', repo, '--rev', rev], { encoding: 'utf8', env: { ...process.env, ODOOPS_SCHEMA_CACHE: cache } });
  assert.is(r.status, 1, `${rev}: ${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

test('cached and freshly compiled validators report the same schema errors', () => {
  const repo = exampleRepo().dir;
  // Schema errors: an unknown key (with its suggestion, read from the schema), a missing
  // required key, a pattern with its patternErrorMessage.
  const cases = ['03-unknown-key-typo.yaml', '04-missing-hostkey.yaml', '05-bad-hostkey.yaml'];
  for (const c of cases) {
    git(repo, 'checkout', '-q', '-B', c, 'main');
    commit(repo, { 'clients/zeta.yaml': fs.readFileSync(path.join(invalid, c), 'utf8') }, c);
  }
  for (const c of cases) {
    const compiled = validate(repo, c, 'off');
    const cached = validate(repo, c, 'on');
    assert.is(cached, compiled, c);
    assert.match(compiled, /zeta\.yaml:\d+:\d+/, `${c}: errors point at the file`);
  }
  assert.ok(fs.readdirSync(cacheDir).some((f) => /^schema-validators-[0-9a-f]{20}\.cjs$/.test(f)), 'the cache file exists');
});

test.run();
