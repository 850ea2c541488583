/**
 * What a config repo may ask of a server beyond the schema's syntax: odoo.conf options from
 * Odoo's own list that a config repo manages (a fleet extends the list in policy.allowOptions,
 * never with what odoops sets itself), git URLs whose host or user cannot become an ssh
 * option, and file:// URLs only under the directories a fleet allows.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyzeFiles } from '../../operator/desired/analyze.ts';
import { gitUrlProblem } from '../../operator/desired/git-urls.ts';
import { formatIssue } from '../../operator/desired/issues.ts';
import { MANAGED_OPTIONS, REFUSED_OPTIONS, SET_BY_ODOOPS } from '../../operator/desired/odoo-options.ts';
import { schemaIssues } from '../../operator/desired/schema.ts';
import { parseYamlFile } from '../../operator/desired/yaml.ts';
import { configFiles, readExample, zeta } from './helpers.ts';

const fleet = readExample('fleet.yaml');

function errors(fleetText: string, client: string): string[] {
  return analyzeFiles(configFiles(fleetText, { 'clients/zeta.yaml': client }))
    .issues.filter((i) => i.severity === 'error')
    .map(formatIssue);
}

function withOption(key: string, value = '1'): string {
  return zeta().replace('options: { workers: 2 }', key === 'workers' ? `options: { workers: ${value} }` : `options: { workers: 2, ${key}: ${value} }`);
}

test('every option a config repo manages is accepted', () => {
  for (const o of MANAGED_OPTIONS) {
    const value = /passw/.test(o) ? '{ secret: env:ODOO_SECRET }' : '1';
    assert.equal(errors(fleet, withOption(o, value)), [], o);
  }
});

test('options odoops sets, and host-level options, are refused with the reason; policy.allowOptions allows the latter only', () => {
  for (const o of SET_BY_ODOOPS) {
    const e = errors(fleet, withOption(o, /passw/.test(o) ? 'env:X' : '1'));
    assert.is(e.length, 1, o);
    assert.match(e[0]!, `option ${o} is set by odoops`);
  }
  for (const [o, why] of REFUSED_OPTIONS) {
    const e = errors(fleet, withOption(o));
    assert.is(e.length, 1, o);
    assert.ok(e[0]!.includes(`option ${o} is not one a config repo manages (${why}); a fleet that needs it lists it in fleet.yaml policy.allowOptions`), e[0]);
  }
  for (const o of ['logfile', 'server_wide_modules', 'db_template', 'db_maxconn']) assert.ok(REFUSED_OPTIONS.has(o), o);
  const allowing = fleet.replace('policy: {}', 'policy: { allowOptions: [logfile, queue_job_channels] }');
  assert.equal(errors(allowing, withOption('logfile', '/var/log/odoo/odoo.log')), []);
  assert.equal(errors(allowing, withOption('queue_job_channels', 'root:2')), []);
  assert.equal(errors(fleet, withOption('queue_job_channels', 'root:2')), [
    'clients/zeta.yaml:20:28: instances.production.options.queue_job_channels: option queue_job_channels is not an Odoo option odoops knows; options of addons are allowed by listing them in fleet.yaml policy.allowOptions',
  ]);
  const sneaky = fleet.replace('policy: {}', 'policy: { allowOptions: [addons_path] }');
  assert.equal(errors(sneaky, withOption('addons_path', '/tmp')), [
    'fleet.yaml:48:26: policy.allowOptions[0]: option addons_path is set by odoops (from the instance and the host layout): no fleet can allow it',
    'clients/zeta.yaml:20:28: instances.production.options.addons_path: option addons_path is set by odoops (from the instance and the host layout) and cannot be set here',
  ]);
});

test('git URLs whose host or user would become an ssh option are refused by the schema', () => {
  const urlIssues = (url: string) => {
    const f = parseYamlFile('clients/zeta.yaml', zeta().replace('url: https://git.example.com/integrator/odoo-addons.git', `url: ${JSON.stringify(url)}`), [])!;
    return schemaIssues('client', f).map((i) => i.message);
  };
  for (const bad of ['ssh://-oProxyCommand=touch%20x/repo.git', 'ssh://git@-oProxyCommand=x/repo.git', 'git://-x/repo', '-oProxy@git.example.com:repo.git', 'git@-oProxy:repo.git']) {
    const m = urlIssues(bad);
    assert.ok(m.some((x) => x.includes("must not have a host or user starting with '-'")), `${bad}: ${m.join(' | ')}`);
    assert.ok(gitUrlProblem(bad, []), bad);
  }
  for (const ok of ['ssh://git@git.example.com/group/repo.git', 'git@git.example.com:group/repo-x.git', 'https://git.example.com/-/repo.git', 'ssh://git.example.com:2222/repo.git']) {
    assert.equal(urlIssues(ok), [], ok);
    assert.is(gitUrlProblem(ok, []), null, ok);
  }
});

test('file:// addons URLs only under policy.allowFileUrls, as plain absolute paths', () => {
  const withUrl = (url: string) => zeta().replace('url: https://git.example.com/integrator/odoo-addons.git', `url: ${url}`);
  const allowing = fleet.replace('policy: {}', 'policy: { allowFileUrls: ["file:///srv/git/"] }');
  assert.equal(errors(allowing, withUrl('file:///srv/git/odoo-addons.git')), []);
  const refused = (url: string, fleetText = allowing) => {
    const e = errors(fleetText, withUrl(url));
    assert.is(e.length, 1, `${url}: ${e.join(' | ')}`);
    return e[0]!;
  };
  assert.match(refused('file:///srv/git/odoo-addons.git', fleet), 'file:// URLs are allowed only under the directories of fleet.yaml policy.allowFileUrls (none allowed)');
  assert.match(refused('file:///srv/github/odoo-addons.git'), '(allowed: file:///srv/git/)');
  assert.match(refused('file:///srv/git/../../root/secrets.git'), 'must be a plain absolute path');
  assert.match(refused('file:///srv/git/%2e%2e/root.git'), 'must be a plain absolute path');
  assert.match(refused('file://server/srv/git/x.git'), 'must be file:/// followed by an absolute path');
  for (const [prefix, message] of <[string, string][]>[
    ['file:///srv/git', "must be a file:/// URL of a directory, ending with '/'"],
    ['file:///srv/../git/', 'must be a plain absolute path'],
    ['https://git.example.com/', "must be a file:/// URL of a directory, ending with '/'"],
  ]) {
    const e = errors(fleet.replace('policy: {}', `policy: { allowFileUrls: ["${prefix}"] }`), zeta());
    assert.is(e.length, 1, `${prefix}: ${e.join(' | ')}`);
    assert.match(e[0]!, message);
  }
});

test.run();

test('operator.selfHeal names clients that exist: an unknown one is an error at its line', () => {
  const withHeal = (names: string) => fleet.replace(/^operator:\n/m, `operator:\n  selfHeal: [${names}]\n`);
  assert.equal(errors(withHeal('zeta'), zeta()), []);
  const errs = errors(withHeal('zeta, nosuch'), zeta());
  assert.is(errs.length, 1, errs.join('\n'));
  assert.match(errs[0]!, /^fleet\.yaml:\d+:\d+: .*operator\.selfHeal\[1\]: unknown client "nosuch" \(known: zeta\)/);
  assert.match(errors(withHeal('"Bad Name"'), zeta()).join('\n'), /selfHeal/);
});
