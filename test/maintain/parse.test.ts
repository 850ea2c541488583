/** The OS state script's output as odoops reads it, and the maintenance windows (pure). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isSecurityOrigin, parseOsState, parsePending } from '../../operator/maintain/parse.ts';
import { windowDecision, mayContinue } from '../../operator/maintain/window.ts';
import type { ClientSpec, WindowSpec } from '../../operator/desired/types.ts';

test('apt-get -s lines: upgrades, new packages, several origins; security by archive', () => {
  assert.equal(parsePending('Inst libc6 [2.36-9+deb12u3] (2.36-9+deb12u4 Debian:12.5/stable, Debian-Security:12/stable-security [amd64])'), {
    name: 'libc6', from: '2.36-9+deb12u3', to: '2.36-9+deb12u4', origins: ['Debian:12.5/stable', 'Debian-Security:12/stable-security'], security: true,
  });
  assert.equal(parsePending('Inst odoops-tool [1.0] (1.1 odoops-test:12/bookworm [all])'), { name: 'odoops-tool', from: '1.0', to: '1.1', origins: ['odoops-test:12/bookworm'], security: false });
  assert.equal(parsePending('Inst linux-image-6.1.0-28-amd64 (6.1.119-1 Debian-Security:12/stable-security [amd64])')?.from, null);
  assert.ok(isSecurityOrigin('Ubuntu:22.04/jammy-security'));
  assert.not.ok(isSecurityOrigin('Ubuntu:22.04/jammy-updates'));
  assert.is(parsePending('Conf libc6 (2.36 Debian:12.5/stable [amd64])'), null);
});

test('the protocol lines as an OsState; deployed instances mapped back from their compose files', () => {
  const out = [
    'RELEASE\tubuntu\t22.04\tjammy\tUbuntu 22.04.5 LTS',
    'HELD\todoo',
    'KEPT\todoo',
    'REBOOT',
    'REBOOTPKG\tlinux-image-generic',
    'LISTS\t1764547200',
    'PENDING\tInst openssl [3.0.2-0ubuntu1.17] (3.0.2-0ubuntu1.18 Ubuntu:22.04/jammy-security [amd64])',
    'PENDING\tInst vim [2:8.2] (2:8.2.1 Ubuntu:22.04/jammy-updates [amd64])',
    'DEPLOYED\t/srv/odoo/production/compose.yaml',
    'ERROR\tapt-mark showhold: oops',
  ].join('\n');
  const s = parseOsState(out, new Map([['/srv/odoo/test/compose.yaml', 'test'], ['/srv/odoo/production/compose.yaml', 'production']]));
  assert.equal(s.release, { id: 'ubuntu', versionId: '22.04', codename: 'jammy', pretty: 'Ubuntu 22.04.5 LTS' });
  assert.equal(s.held, ['odoo']);
  assert.equal(s.keptBack, ['odoo']);
  assert.is(s.rebootRequired, true);
  assert.equal(s.rebootPackages, ['linux-image-generic']);
  assert.is(s.listsUpdatedAt, '2025-12-01T00:00:00.000Z');
  assert.equal(s.pending.security.map((p) => p.name), ['openssl']);
  assert.equal(s.pending.other.map((p) => p.name), ['vim']);
  assert.equal(s.deployed, ['production']);
  assert.equal(s.errors, ['apt-mark showhold: oops']);
});

const W: WindowSpec = { kind: 'allow', schedule: '0 2 * * 0', duration: '3h', timeZone: 'Europe/Paris', manualSync: true };
const spec = (maintenance: ClientSpec['maintenance']) => ({ name: 'acme', file: 'clients/acme.yaml', maintenance }) as ClientSpec;

test('each kind has its own window; none declared: only with --ignore-windows; manualSync false refuses the override', () => {
  const sunday0230 = new Date('2026-12-06T01:30:00Z'); // 02:30 in Paris, a Sunday
  const monday = new Date('2026-12-07T01:30:00Z');
  assert.ok(windowDecision(spec({ security: W }), 'security', sunday0230, false).go);
  const closed = windowDecision(spec({ security: W }), 'security', monday, false);
  assert.ok(!closed.go && closed.reason.code === 'window-closed' && /next opening/.test(closed.reason.message));
  const none = windowDecision(spec({ security: W }), 'os', sunday0230, false);
  assert.ok(!none.go && none.reason.code === 'no-window');
  assert.ok(windowDecision(spec({}), 'os', monday, true).go);
  const refused = windowDecision(spec({ os: { ...W, manualSync: false } }), 'os', monday, true);
  assert.ok(!refused.go && refused.reason.code === 'override-refused');
  const ignored = windowDecision(spec({ os: W }), 'os', monday, true);
  assert.ok(ignored.go && ignored.ignored);
  assert.ok(mayContinue(spec({ os: W }), 'os', sunday0230, false));
  assert.not.ok(mayContinue(spec({ os: W }), 'os', new Date('2026-12-06T04:00:00Z'), false), '05:00 Paris: closed');
  assert.ok(mayContinue(spec({ os: W }), 'os', monday, true));
});

test.run();
