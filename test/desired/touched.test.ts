/** touchedClients: which clients' resolved desired state differs between two revisions. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { touchedClients } from '../../operator/desired/load.ts';
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

test.run();
