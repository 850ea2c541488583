/** Merge rules: maps merge deep, lists replace, scalars override; instance layering; built-ins. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Locator, mergeDeep, resolveClient, resolveFleet } from '../../operator/desired/merge.ts';
import { parseYamlFile } from '../../operator/desired/yaml.ts';
import type { ValidationIssue } from '../../operator/desired/types.ts';

test('maps merge deep, lists replace, scalars override, undefined keeps', () => {
  const base = { a: { x: 1, y: [1, 2], z: { k: 'v' } }, s: 'base', keep: true };
  const over = { a: { y: [3], z: { k2: 'w' } }, s: 'over' };
  assert.equal(mergeDeep(base, over), { a: { x: 1, y: [3], z: { k: 'v', k2: 'w' } }, s: 'over', keep: true });
  assert.equal(mergeDeep(base, undefined), base);
  assert.equal(mergeDeep({ l: [1, 2] }, { l: [] }), { l: [] }, 'an empty list replaces too');
  assert.equal(mergeDeep({ m: { a: 1 } }, { m: 'scalar' }), { m: 'scalar' });
  const b2 = { a: { list: [1] } };
  const out = mergeDeep<{ a: { list: number[] } }>(b2, {});
  out.a.list.push(2);
  assert.equal(b2.a.list, [1], 'inputs are not shared with the result');
});

const fleetText = `apiVersion: odoops/v1
kind: Fleet
timezone: Europe/Paris
monitoringServers: [nagios1.example]
backupDestinations:
  a: { url: s3:https://a.example/b, site: site-a }
  b: { url: s3:https://b.example/b, site: site-b }
defaults:
  server: { os: ubuntu-24.04 }
  instance:
    image: reg.example/odoo:17.0-1
    series: "17.0"
    modules: [contacts]
    options: { workers: 2, proxy_mode: true }
    windows: [{ kind: allow, schedule: "0 2 * * 0", duration: 3h }]
  instances:
    test:
      options: { workers: 1 }
      modules: [contacts, crm]
  backups: { schedule: "0 1 * * *", destinations: [a, b], encryptionKey: env:K }
  maintenance:
    security: { kind: allow, schedule: "0 3 1-7 * 2", duration: 2h }
    os: { kind: allow, schedule: "0 3 8-14 1,4,7,10 6", duration: 4h, timeZone: UTC }
`;

const clientText = `apiVersion: odoops/v1
kind: Client
name: my-client
server: { host: 192.0.2.1, hostKey: SHA256:AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjjKKK }
instances:
  production:
    domain: erp.example
    options: { proxy_mode: false }
  test:
    domain: test.erp.example
    modules: [sale]
  staging:
    domain: staging.erp.example
    httpPort: 8071
    windows: []
backups: { retention: { daily: 30 } }
maintenance:
  security: { kind: allow, schedule: "0 22 1-7 * 6", duration: 2h, timeZone: America/Montreal }
`;

function resolve() {
  const issues: ValidationIssue[] = [];
  const f = parseYamlFile('fleet.yaml', fleetText, issues)!;
  const c = parseYamlFile('clients/my-client.yaml', clientText, issues)!;
  const fleet = resolveFleet(f.data as Record<string, unknown>);
  const r = resolveClient(fleet, c.data as Record<string, unknown>, new Locator(c, f), 'my-client');
  return { ...r, parseIssues: issues };
}

test('instance layering: built-in < defaults.instance < defaults.instances.NAME < client', () => {
  const { spec, issues, parseIssues } = resolve();
  assert.equal(parseIssues, []);
  assert.equal(issues, []);
  assert.equal(spec.instances.map((i) => i.name), ['test', 'staging', 'production']);
  const [t, s, p] = spec.instances as [any, any, any];
  assert.equal(p.options, { workers: 2, proxy_mode: false }, 'options map merged, client scalar wins');
  assert.equal(t.options, { workers: 1, proxy_mode: true }, 'per-name default over instance default');
  assert.equal(t.modules, ['sale'], 'client list replaces the inherited list');
  assert.equal(p.modules, ['contacts']);
  assert.equal(s.windows, [], 'an explicit empty list replaces inherited windows');
  assert.equal(p.windows, [{ kind: 'allow', schedule: '0 2 * * 0', duration: '3h', timeZone: 'Europe/Paris', manualSync: true }]);
  assert.is(p.httpPort, 8069);
  assert.is(t.httpPort, 8070);
  assert.is(p.database, 'my_client_production', "default database: <client>_<instance>, '-' -> '_'");
  assert.is(s.database, 'my_client_staging');
  assert.equal(p.removeModules, []);
  assert.equal(p.addons, []);
});

test('server, backups, maintenance, monitoring defaults', () => {
  const { spec } = resolve();
  assert.equal(spec.server, { host: '192.0.2.1', port: 22, user: 'root', hostKey: 'SHA256:AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjjKKK', os: 'ubuntu-24.04' });
  assert.equal(spec.backups!.retention, { daily: 30, weekly: 4, monthly: 6 });
  assert.is(spec.backups!.timeZone, 'Europe/Paris');
  assert.equal(spec.backups!.destinations.map((d) => d.site), ['site-a', 'site-b']);
  assert.is(spec.maintenance.security!.timeZone, 'America/Montreal');
  assert.is(spec.maintenance.os!.timeZone, 'UTC');
  assert.equal(spec.monitoring, { servers: ['nagios1.example'], checks: [] });
});

test('a missing value after merging is located where it would be written', () => {
  const issues: ValidationIssue[] = [];
  const f = parseYamlFile('fleet.yaml', fleetText.replace('    image: reg.example/odoo:17.0-1\n', ''), issues)!;
  const c = parseYamlFile('clients/my-client.yaml', clientText, issues)!;
  const r = resolveClient(resolveFleet(f.data as Record<string, unknown>), c.data as Record<string, unknown>, new Locator(c, f), 'my-client');
  assert.equal(
    r.issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`),
    [
      'clients/my-client.yaml:9:3: instances.test.image: not set: set it here, in fleet.yaml defaults.instances.test.image or in fleet.yaml defaults.instance.image',
      'clients/my-client.yaml:12:3: instances.staging.image: not set: set it here, in fleet.yaml defaults.instances.staging.image or in fleet.yaml defaults.instance.image',
      'clients/my-client.yaml:6:3: instances.production.image: not set: set it here, in fleet.yaml defaults.instances.production.image or in fleet.yaml defaults.instance.image',
    ],
  );
});

test.run();
