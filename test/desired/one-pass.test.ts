/**
 * One round of validate shows every problem: schema and semantic checks run in the same
 * pass (values the schema refuses are left out of the semantic checks, never reported twice),
 * and every message starts with the full key path, naming where a missing value may be set.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { formatIssue } from '../../operator/desired/issues.ts';
import { validateRepo } from '../../operator/desired/load.ts';
import { commit, git, tempDir } from './helpers.ts';

const dirs: string[] = [];
test.after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function repoWith(files: Record<string, string>): string {
  const dir = tempDir();
  dirs.push(dir);
  git(dir, 'init', '-q', '-b', 'main');
  commit(dir, files, 'config');
  return dir;
}

const FLEET = `apiVersion: odoops/v1
kind: Fleet
defaults:
  instance:
    series: "17.0"
    options: { workers: 2, logfile: /var/log/odoo.log }
`;

const SHOP = `apiVersion: odoops/v1
kind: Client
name: shop
server:
  host: 203.0.113.20
instances:
  production:
    image: registry.example.com/odoo:16.0-20261101
    domain: erp.shop.example
    modules: [contacts, Sale]
    addons:
      - { name: addons, url: https://git.example.com/addons.git, ref: v1..0 }
    windows:
      - { kind: allow, schedule: "0 25 * * 0", duration: 3h }
  staging:
    image: registry.example.com/odoo:17.0-20261101
    domain: staging.shop.example
    databse: shop_staging
`;

test('schema and semantic problems of both files, all in one round, each with its key path', async () => {
  const r = await validateRepo({ repo: repoWith({ 'fleet.yaml': FLEET, 'clients/shop.yaml': SHOP }), at: new Date('2026-06-01T00:00:00Z') });
  assert.equal(r.issues.map(formatIssue), [
    'fleet.yaml:1:1: warning: operator.forge: not set, so plans and results are not posted on merge requests, drift opens no issue and reinstall prints a patch instead of opening a merge request (used by odoops serve, plan --comment-mr, drift --report and reinstall)',
    'fleet.yaml:1:1: timezone: not set (required)',
    'fleet.yaml:3:1: warning: defaults.backups: not set here nor in clients/shop.yaml, so for that client no off-site backups are set up (installed on the servers only by odoops apply --managed-files or odoops serve --managed-files (and odoops backup); their health is checked by every plan and drift)',
    'fleet.yaml:3:1: warning: defaults.maintenance.os: not set here nor in clients/shop.yaml, so for that client no window is set for quarterly OS and software updates (the window of odoops maintain --kind os)',
    'fleet.yaml:3:1: warning: defaults.maintenance.security: not set here nor in clients/shop.yaml, so for that client no window is set for monthly security updates (the window of odoops maintain --kind security)',
    'fleet.yaml:3:1: warning: defaults.monitoring (or monitoringServers): not set here nor in clients/shop.yaml, so for that client no Nagios server is allowed to query NRPE and no check is set up (NRPE on the servers and Nagios on the monitoring servers, applied only by odoops apply --managed-files or odoops serve --managed-files)',
    'fleet.yaml:6:28: defaults.instance.options.logfile: option logfile is not one a config repo manages (logs go to the container output, where odoops and the log shipper read them); a fleet that needs it lists it in fleet.yaml policy.allowOptions',
    'clients/shop.yaml:4:1: server.hostKey: not set (required)',
    'clients/shop.yaml:4:1: server.os: not set: set it here or in fleet.yaml defaults.server.os',
    'clients/shop.yaml:8:12: instances.production.image: image tag "16.0-20261101" is for Odoo 16.0 but series is "17.0"',
    'clients/shop.yaml:10:25: instances.production.modules[1]: "Sale" is not a valid Odoo module technical name (lowercase letters, digits and \'_\', starting with a letter)',
    'clients/shop.yaml:12:71: instances.production.addons[0].ref: "v1..0" is not a valid branch or tag name (contains "..")',
    'clients/shop.yaml:14:34: instances.production.windows[0].schedule: invalid cron schedule "0 25 * * 0": Invalid value for hour: 25',
    'clients/shop.yaml:15:3: instances.staging.httpPort: not set: set it here, in fleet.yaml defaults.instances.staging.httpPort or in fleet.yaml defaults.instance.httpPort (only production and test have a default port)',
    'clients/shop.yaml:18:5: instances.staging: unknown key "databse" (did you mean "database"?)',
  ]);
  assert.is(r.valid, false);
});

test('a problem inherited from fleet.yaml is reported once, in fleet.yaml, not once per client', async () => {
  const client = (n: number) => SHOP.replace('name: shop', `name: shop${n}`).replace('203.0.113.20', `203.0.113.${n}`);
  const files: Record<string, string> = { 'fleet.yaml': FLEET.replace('kind: Fleet', 'kind: Fleet\ntimezone: Europe/Paris') };
  for (const n of [1, 2, 3]) files[`clients/shop${n}.yaml`] = client(n);
  const r = await validateRepo({ repo: repoWith(files) });
  const logfile = r.issues.filter((i) => i.message.includes('logfile'));
  assert.is(logfile.length, 1);
  assert.is(logfile[0]!.file, 'fleet.yaml');
  assert.is(r.issues.filter((i) => i.message.includes('"Sale"')).length, 3, 'a client problem is reported in each client file');
});

test.run();
