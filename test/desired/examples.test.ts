/**
 * The examples a new user starts from: the full fleet validates without a warning; the
 * minimal one validates in one round, with exactly the warnings that say what is not done;
 * its one-instance client resolves and plans (no test instance to wait for).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { formatIssue } from '../../operator/desired/issues.ts';
import { loadDesiredState, validateRepo } from '../../operator/desired/load.ts';
import { planClient } from '../../operator/plan/plan.ts';
import { liveFor, liveState } from '../plan/fixtures.ts';
import { commit, git, tempDir } from './helpers.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const dirs: string[] = [];
test.after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A committed copy of an examples/ folder. */
function copyOf(example: string): string {
  const dir = tempDir();
  dirs.push(dir);
  git(dir, 'init', '-q', '-b', 'main');
  fs.cpSync(path.join(root, 'examples', example), dir, { recursive: true });
  commit(dir, {}, example);
  return dir;
}

test('examples/fleet: valid, no warning', async () => {
  const r = await validateRepo({ repo: copyOf('fleet') });
  assert.equal(r.issues.map(formatIssue), []);
  assert.is(r.clients, 3);
});

test('examples/minimal: valid in one round; the warnings say what is not done', async () => {
  const r = await validateRepo({ repo: copyOf('minimal') });
  assert.is(r.valid, true);
  assert.equal(r.issues.map(formatIssue), [
    'fleet.yaml:5:1: warning: operator.forge: not set, so plans and results are not posted on merge requests, drift opens no issue and reinstall prints a patch instead of opening a merge request (used by odoops serve, plan --comment-mr, drift --report and reinstall)',
    'fleet.yaml:8:1: warning: defaults.backups: not set here nor in clients/shop.yaml, so for that client no off-site backups are set up (installed on the servers only by odoops apply --managed-files or odoops serve --managed-files (and odoops backup); their health is checked by every plan and drift)',
    'fleet.yaml:8:1: warning: defaults.maintenance.os: not set here nor in clients/shop.yaml, so for that client no window is set for quarterly OS and software updates (the window of odoops maintain --kind os)',
    'fleet.yaml:8:1: warning: defaults.maintenance.security: not set here nor in clients/shop.yaml, so for that client no window is set for monthly security updates (the window of odoops maintain --kind security)',
    'fleet.yaml:8:1: warning: defaults.monitoring (or monitoringServers): not set here nor in clients/shop.yaml, so for that client no Nagios server is allowed to query NRPE and no check is set up (NRPE on the servers and Nagios on the monitoring servers, applied only by odoops apply --managed-files or odoops serve --managed-files)',
  ]);
});

test('examples/minimal: the one-instance client resolves and plans with no test instance', async () => {
  const s = await loadDesiredState({ repo: copyOf('minimal') });
  const shop = s.clients.find((c) => c.name === 'shop')!;
  assert.equal(shop.instances.map((i) => [i.name, i.httpPort, i.database, i.series]), [['production', 8069, 'shop_production', '17.0']]);
  assert.is(shop.backups, undefined);
  assert.equal(shop.maintenance, {});
  // Live: the instance exists, sale_management is not installed yet.
  const live = liveState(shop, (instances) => {
    const prod = liveFor(shop.instances[0]!);
    prod.modules.sale_management = { state: 'uninstalled', installedVersion: null, manifestVersion: null };
    instances.production = prod;
  });
  const plan = planClient(shop, live, { revision: s.revision, now: new Date('2026-06-01T00:00:00Z') });
  assert.equal(plan.instances.map((i) => i.instance), ['production']);
  assert.is(plan.instances[0]!.dependsOn, undefined);
  assert.ok(plan.instances[0]!.actions.some((a) => a.kind === 'install-modules'), JSON.stringify(plan.instances[0]));
  assert.is(plan.instances[0]!.window.open, true, 'no windows: always open');
});

test.run();
