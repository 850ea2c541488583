/** touchedClients: which clients' resolved desired state differs between two revisions. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { touchedClients } from '../../operator/desired/load.ts';
import { blobOid } from '../../operator/desired/repo.ts';
import { touchedBetween, touchedExact, type Side } from '../../operator/desired/touched.ts';
import { commit, exampleRepo, readExample } from './helpers.ts';

let repo = '';
let base = '';
const fleet = readExample('fleet.yaml');

test.before(() => {
  const r = exampleRepo();
  repo = r.dir;
  base = r.head;
});
test.after(() => fs.rmSync(repo, { recursive: true, force: true }));

const touched = (from: string, to: string) => touchedClients({ repo, from, to });

test('same revision, or a commit that changes nothing: none', async () => {
  assert.equal(await touched(base, base), []);
  const empty = commit(repo, {}, 'empty');
  assert.equal(await touched(base, empty), []);
});

test('comment-only and key-order-only changes touch none', async () => {
  const c1 = commit(repo, { 'fleet.yaml': fleet.replace('timezone: Europe/Paris', '# fleet default zone\ntimezone: Europe/Paris   # Paris') }, 'comment');
  assert.equal(await touched(base, c1), []);
  const acme = readExample('clients/acme.yaml');
  const c2 = commit(repo, { 'clients/acme.yaml': acme.replace('# Acme:', '# Acme (comment edited):').replace('  port: 22\n  user: root\n', '  user: root\n  port: 22\n') }, 'reorder');
  assert.equal(await touched(base, c2), []);
});

test('fleet.yaml change touches exactly the clients inheriting the changed key', async () => {
  // boreal and cobalt inherit defaults.backups.schedule? all three: acme sets its own schedule.
  const c = commit(repo, { 'fleet.yaml': fleet.replace('    schedule: "0 1 * * *"', '    schedule: "30 1 * * *"') }, 'backup schedule');
  assert.equal(await touched(base, c), ['boreal', 'cobalt']);
  // Every client inherits defaults.instance.options.max_cron_threads.
  const d = commit(repo, { 'fleet.yaml': fleet.replace('max_cron_threads: 1', 'max_cron_threads: 2') }, 'cron threads');
  assert.equal(await touched(base, d), ['acme', 'boreal', 'cobalt']);
  // cobalt overrides the monitoring checks list (lists replace): a fleet check change misses it.
  const e = commit(repo, { 'fleet.yaml': fleet.replace('check_load, warning: "4"', 'check_load, warning: "6"') }, 'load check');
  assert.equal(await touched(base, e), ['acme', 'boreal']);
  // boreal's maintenance.security is its own; os comes from the fleet (maps merge).
  const f = commit(repo, { 'fleet.yaml': fleet.replace('security: { kind: allow, schedule: "0 3 * * 2#1"', 'security: { kind: allow, schedule: "0 4 * * 2#1"') }, 'security window');
  assert.equal(await touched(base, f), ['acme', 'cobalt']);
});

test('client file change, add and remove', async () => {
  const acme = readExample('clients/acme.yaml');
  const a = commit(repo, { 'fleet.yaml': fleet, 'clients/acme.yaml': acme.replace('workers: 3', 'workers: 4') }, 'acme');
  assert.equal(await touched(base, a), ['acme']);
  const dulac = readExample('clients/cobalt.yaml').replace(/cobalt/g, 'dulac').replace('192.0.2.55', '192.0.2.56');
  const b = commit(repo, { 'clients/acme.yaml': acme, 'clients/dulac.yaml': dulac, 'clients/boreal.yaml': null }, 'add dulac, remove boreal');
  assert.equal(await touched(base, b), ['boreal', 'dulac']);
  assert.equal(await touched(b, base), ['boreal', 'dulac'], 'symmetric');
});

test('an invalid revision still compares (by content)', async () => {
  const acme = readExample('clients/acme.yaml');
  const bad = commit(repo, { 'clients/acme.yaml': acme.replace('series: "17.0"', 'series: [') }, 'broken acme');
  assert.equal(await touched(base, bad), ['acme', 'boreal', 'dulac']);
});


// The fast path (classify clients from fleet.yaml's changed leaves) against the exact answer
// (every client resolved on both sides), on in-memory sides: no git needed.
const CLIENTS = ['acme', 'boreal', 'cobalt'];
function sideOf(fleetText: string, clients: Record<string, string> = {}): Side {
  const file = (path: string, text: string) => ({ path, text, oid: blobOid(Buffer.from(text)) });
  const texts = Object.fromEntries(CLIENTS.map((c) => [`clients/${c}.yaml`, readExample(`clients/${c}.yaml`)]));
  return { fleet: file('fleet.yaml', fleetText), clients: new Map(Object.entries({ ...texts, ...clients }).map(([p, t]) => [p, file(p, t)])) };
}

const EDITS: [string, string, string][] = [
  ['an option every instance inherits', 'max_cron_threads: 1', 'max_cron_threads: 2'],
  ['a new option under defaults.instance', 'max_cron_threads: 1', 'max_cron_threads: 1\n      unaccent: true'],
  ['an option removed', '      list_db: false\n', ''],
  ['the production window', 'schedule: "0 2 * * 0", duration: 3h }', 'schedule: "0 2 * * 0", duration: 4h }'],
  ['the test deny window', 'schedule: "0 14 * * 5", duration: 4h', 'schedule: "0 13 * * 5", duration: 5h'],
  ['a default written out (manualSync true)', '{ kind: allow, schedule: "0 2 * * 0", duration: 3h }', '{ kind: allow, schedule: "0 2 * * 0", duration: 3h, manualSync: true }'],
  ['the backup schedule', '    schedule: "0 1 * * *"', '    schedule: "30 1 * * *"'],
  ['the backup retention', 'retention: { daily: 7, weekly: 4, monthly: 6 }', 'retention: { daily: 10, weekly: 4, monthly: 6 }'],
  ['the OS release', '    os: ubuntu-22.04', '    os: ubuntu-24.04'],
  ['the SSH port', '    port: 22\n', '    port: 2222\n'],
  ['the SSH port removed (same as built-in)', '    port: 22\n', ''],
  ['the address of a monitoring server', 'addresses: [203.0.113.202]', 'addresses: [203.0.113.203]'],
  ['the host key of a monitoring server (no client reads it)', 'hostKey: SHA256:Mw7Yc2Rf5Jn9Lb3Tx6Ks1Gd8Hv4Pe0Aq7Zu2Xi5Oc9E', 'hostKey: SHA256:Mw7Yc2Rf5Jn9Lb3Tx6Ks1Gd8Hv4Pe0Aq7Zu2Xi5Oc9F'],
  ['the test instances\' protection', 'ipAllowList: [192.0.2.0/28]', 'ipAllowList: [192.0.2.0/27]'],
  ['the nagios settings (no client reads them)', 'certificateWarningDays:', 'certificateWarningDays: 30\n  # was:'],
  ['a monitoring check', 'check_load, warning: "4"', 'check_load, warning: "6"'],
  ['a backup destination', 's3:https://s3.gra.io.cloud.ovh.net/integrator-backups', 's3:https://s3.gra.io.cloud.ovh.net/integrator-backups-2'],
  ['the time zone', 'timezone: Europe/Paris', 'timezone: Europe/Brussels'],
  ['operator concurrency', 'concurrency: 4', 'concurrency: 8'],
  ['the security baseline', 'fail2ban: true', 'fail2ban: false'],
  ['the policy', 'policy: {}', 'policy: { allowOptions: [queue_job_channels] }'],
  ['the security window', 'schedule: "0 3 * * 2#1"', 'schedule: "0 4 * * 2#1"'],
  ['defaults for an instance nobody has', '  instances:\n    production:', '  instances:\n    staging:\n      modules: [crm]\n    production:'],
  ['a default module list', '  instance:\n    options:', '  instance:\n    modules: [contacts]\n    options:'],
  ['a comment', 'timezone: Europe/Paris', 'timezone: Europe/Paris # here'],
];

for (const [what, from, to] of EDITS) {
  test(`fast touched = exact touched: ${what}`, () => {
    assert.ok(fleet.includes(from), `examples/fleet/fleet.yaml still contains ${JSON.stringify(from)}`);
    const a = sideOf(fleet);
    const b = sideOf(fleet.replace(from, to));
    assert.equal(touchedBetween(a, b), touchedExact(a, b));
    assert.equal(touchedBetween(b, a), touchedExact(b, a), 'and back');
  });
}

test('a one-line change of an inherited default is decided without resolving any client', () => {
  const a = sideOf(fleet);
  const work = { compared: 0 };
  assert.equal(touchedBetween(a, sideOf(fleet.replace('max_cron_threads: 1', 'max_cron_threads: 2')), work), CLIENTS);
  assert.is(work.compared, 0);
  // boreal never writes "daily": touched from its text; acme and cobalt do: their data shows
  // they set their own retention.daily. None is resolved.
  const w2 = { compared: 0 };
  assert.equal(touchedBetween(a, sideOf(fleet.replace('retention: { daily: 7,', 'retention: { daily: 10,')), w2), ['boreal']);
  assert.is(w2.compared, 0);
  // A backup destination's URL: only acme names it (it is resolved); the others inherit the default list naming it.
  const w4 = { compared: 0 };
  assert.equal(touchedBetween(a, sideOf(fleet.replace('/integrator-backups\n    site: ovh-gra', '/integrator-backups-2\n    site: ovh-gra')), w4), CLIENTS);
  assert.is(w4.compared, 1);
  const w3 = { compared: 0 };
  assert.equal(touchedBetween(a, sideOf(`${fleet}# comment\n`), w3), []);
  assert.is(w3.compared, 0);
});

test('fast touched = exact touched when a client changes along with fleet.yaml', () => {
  const a = sideOf(fleet);
  const acme = readExample('clients/acme.yaml');
  const b = sideOf(fleet.replace('max_cron_threads: 1', 'max_cron_threads: 2'), { 'clients/acme.yaml': acme.replace('options: { workers: 3 }', 'options: { workers: 3, max_cron_threads: 1 }') });
  assert.equal(touchedBetween(a, b), touchedExact(a, b));
  assert.equal(touchedExact(a, b), ['boreal', 'cobalt', 'acme'].sort());
});

test.run();
