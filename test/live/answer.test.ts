/**
 * The live state read from a probe's answer (pure: no server): module rows with their
 * manifest versions and checksums, unknown module states, secret option digests, the last
 * applied revision, and the defaults for what an older probe leaves out.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { secretDigest } from '../../operator/host/commands.ts';
import { liveFromProbe, type RawProbe } from '../../operator/live/probe.ts';
import { SECRET_DIFFERS, SECRET_MATCHES } from '../../operator/live/types.ts';
import { NO_SECRETS } from '../../operator/reconcile/secrets.ts';

const KEY = 'ab'.repeat(32);
const raw = (): RawProbe => ({
  host: { hostname: 'srv', os: 'ubuntu-22.04' },
  state: { instances: { production: { revision: 'r1', at: '2026-11-01T00:00:00Z', applied: { modules: {} } } } },
  instances: {
    production: {
      present: true,
      image: 'img:17',
      imagePresent: true,
      imageDigest: 'sha256:e',
      running: true,
      runningImage: 'img:17',
      odooVersion: '17.0',
      modules: { base: ['installed', '17.0.1.3'], sale: ['uninstalled', null], odd: ['weird state', null], mine: ['installed', '17.0.1.0'] },
      manifests: { mine: '17.0.1.1' },
      checksums: { mine: ['c2', 'c1'] },
      addons: { a: { url: 'https://x/a.git', commit: 'c', desiredCommit: 'd' } },
      options: { workers: '2' },
      secretDigests: { admin_passwd: secretDigest(KEY, 'good'), db_password: secretDigest(KEY, 'old') },
      marker: null,
      errors: [],
    },
  },
});

test('modules, manifests, checksums and unknown states', () => {
  const live = liveFromProbe('acme', raw(), NO_SECRETS, KEY);
  assert.ok(live.reachable);
  if (!live.reachable) return;
  const p = live.instances.production!;
  assert.equal(p.modules, {
    base: { state: 'installed', installedVersion: '17.0.1.3', manifestVersion: null },
    sale: { state: 'uninstalled', installedVersion: null, manifestVersion: null },
    odd: { state: 'uninstallable', installedVersion: null, manifestVersion: null },
    mine: { state: 'installed', installedVersion: '17.0.1.0', manifestVersion: '17.0.1.1', checksum: 'c2', appliedChecksum: 'c1' },
  });
  assert.equal(Object.keys(p.modules.base!), ['state', 'installedVersion', 'manifestVersion'], 'no checksum keys without checksums');
  assert.equal(p.lastApplied, { revision: 'r1', at: '2026-11-01T00:00:00Z', applied: { modules: {} } });
  assert.equal(live.host, { hostname: 'srv', os: 'ubuntu-22.04' });
});

test('secret options: matches or differs, never the value', () => {
  const secrets = { ...NO_SECRETS, options: { production: { admin_passwd: 'good', db_password: 'new' } }, values: ['good', 'new'] };
  const live = liveFromProbe('acme', raw(), secrets, KEY);
  if (!live.reachable) throw new Error('unreachable');
  assert.equal(live.instances.production!.options, { workers: '2', admin_passwd: SECRET_MATCHES, db_password: SECRET_DIFFERS });
});

test('an answer without the optional parts gets their defaults', () => {
  const r = raw();
  const p = r.instances.production! as unknown as Record<string, unknown>;
  for (const k of ['modules', 'manifests', 'checksums', 'addons', 'options', 'secretDigests', 'errors', 'runningImage', 'imagePresent', 'marker']) delete p[k];
  r.state = null;
  const live = liveFromProbe('acme', r, NO_SECRETS, KEY);
  if (!live.reachable) throw new Error('unreachable');
  const i = live.instances.production!;
  assert.equal([i.modules, i.addons, i.options, i.errors, i.runningImage, i.imagePresent, i.marker, i.lastApplied], [{}, {}, {}, [], null, null, null, null]);
});

test.run();
