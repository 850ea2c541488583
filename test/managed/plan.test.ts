// The managed-files registry and plan (pure): which units a server gets, create/update per
// file with unified diffs, secrets never shown, unsafe units reported but not acted on.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { managedRenderings } from '../../operator/managed/registry.ts';
import { fileDigest, planManaged } from '../../operator/managed/plan.ts';
import type { LiveManaged, ManagedRendering } from '../../operator/managed/types.ts';
import { driftStatusExitCode, fleetDriftStatus } from '../../operator/drift/classify.ts';
import type { LiveState } from '../../operator/live/types.ts';
import { planExitCode } from '../../operator/plan/plan.ts';
import { renderDriftStatusText } from '../../operator/report/drift-status.ts';
import { renderPlanText } from '../../operator/report/index.ts';
import { exampleClient, exampleState } from '../render/helpers.ts';

const t = suite('managed files: registry and plan');

const CA = '-----BEGIN CERTIFICATE-----\nMIIBsandboxCA\n-----END CERTIFICATE-----\n';
const HTPASSWD = 'ops:$2y$05$abcdefghijklmnopqrstuuS3cretHashValueXXXXXXXXXXXXXXXXX';

async function acme() {
  const state = await exampleState();
  const client = await exampleClient('acme');
  const secrets = new Map<string, string>();
  for (const p of Object.values(client.proxy.protect)) if (p.basicAuth) secrets.set(p.basicAuth.usersSecret, HTPASSWD);
  secrets.set(state.fleet.logHost!.caCert, CA);
  secrets.set(client.backups!.encryptionKey, 'repository-password');
  for (const d of client.backups!.destinations) if (d.credentials) secrets.set(d.credentials, 'AWS_ACCESS_KEY_ID=AKIA\nAWS_SECRET_ACCESS_KEY=s3cret');
  return { state, client, set: managedRenderings(client, state.fleet, secrets) };
}

/** What a server holding exactly these files would report. */
function liveOf(renderings: ManagedRendering[]): LiveManaged {
  const files: LiveManaged['files'] = {};
  for (const r of renderings) for (const f of r.files) files[f.path] = { path: f.path, exists: true, digest: fileDigest(f.content), mode: f.mode, owner: f.owner ?? 'root:root', ...(f.secret ? {} : { content: f.content }) };
  return { files };
}

t('every unit of the example client renders; none is refused', async () => {
  const { set } = await acme();
  assert.equal(set.refused, []);
  assert.equal(set.renderings.map((r) => r.unit), ['baseline/sshd', 'baseline/nftables', 'baseline/fail2ban', 'baseline/unattended-upgrades', 'nrpe', 'traefik', 'rsyslog', 'backup']);
  const sshd = set.renderings.find((r) => r.unit === 'baseline/sshd')!;
  assert.is(sshd.guard, 'ssh');
  assert.equal(sshd.validate.map((v) => v.argv), [['sshd', '-t']]);
  assert.equal(sshd.activate.map((a) => a.argv), [['systemctl', 'reload-or-restart', 'ssh']]);
  assert.is(set.renderings.find((r) => r.unit === 'baseline/nftables')!.guard, 'ssh');
});

t('a missing secret refuses only its unit, with the reference and never a value', async () => {
  const state = await exampleState();
  const client = await exampleClient('acme');
  const set = managedRenderings(client, state.fleet, new Map(), { unresolved: [{ unit: 'rsyslog', message: 'secret file:/etc/odoops/log-ca.pem: no such file' }] });
  assert.equal(set.refused.map((r) => [r.unit, r.reason.code]), [['traefik', 'secret-unresolved'], ['rsyslog', 'secret-unresolved'], ['backup', 'secret-unresolved']]);
  assert.ok(set.renderings.some((r) => r.unit === 'nrpe'));
});

t('nothing on the server: every file is created, with a diff from nothing', async () => {
  const { set } = await acme();
  const plan = planManaged({ target: 'acme', renderings: set.renderings, live: { files: {} } });
  assert.is(plan.actions.length, set.renderings.length);
  const nft = plan.actions.find((a) => a.unit === 'baseline/nftables')!;
  assert.is(nft.files[0]!.change, 'create');
  assert.match(nft.files[0]!.diff, /^--- \/etc\/nftables.d\/odoops.nft\tabsent/);
  assert.match(nft.files[0]!.diff, /\n\+table inet odoops \{/);
  assert.equal(nft.activate, ['load nftables table inet odoops']);
});

t('in sync: no action, no drift; one hand edit: update of that file only, with its diff', async () => {
  const { set } = await acme();
  const live = liveOf(set.renderings);
  assert.equal(planManaged({ target: 'acme', renderings: set.renderings, live }).drift, []);
  const sshd = set.renderings.find((r) => r.unit === 'baseline/sshd')!.files[0]!;
  const edited = sshd.content.replace('PasswordAuthentication no', 'PasswordAuthentication yes');
  live.files[sshd.path] = { ...live.files[sshd.path]!, content: edited, digest: fileDigest(edited), mode: 0o600 };
  const plan = planManaged({ target: 'acme', renderings: set.renderings, live });
  assert.equal(plan.actions.map((a) => a.unit), ['baseline/sshd']);
  const f = plan.actions[0]!.files[0]!;
  assert.is(f.change, 'update');
  assert.equal(f.differs, ['content', 'mode']);
  assert.match(f.diff, /\n-PasswordAuthentication yes\n\+PasswordAuthentication no\n/);
});

t('secret files: never diffed; a changed secret shows as an update without content; values redacted everywhere', async () => {
  const { set } = await acme();
  const live = liveOf(set.renderings);
  const secretFile = set.renderings.flatMap((r) => r.files).find((f) => f.secret)!;
  live.files[secretFile.path] = { ...live.files[secretFile.path]!, digest: 'secret:differs' };
  // A non-secret file that happens to hold the secret value (a copy pasted by hand) is redacted in its diff.
  const nrpe = set.renderings.find((r) => r.unit === 'nrpe')!.files[0]!;
  live.files[nrpe.path] = { ...live.files[nrpe.path]!, content: `${nrpe.content}# ${HTPASSWD}\n`, digest: 'sha256:x' };
  const plan = planManaged({ target: 'acme', renderings: set.renderings, live, secretValues: [HTPASSWD] });
  const sec = plan.drift.flatMap((d) => d.files).find((f) => f.path === secretFile.path)!;
  assert.is(sec.change, 'update');
  assert.match(sec.diff, /holds a secret: contents not shown/);
  const text = JSON.stringify(plan);
  assert.not.ok(text.includes(HTPASSWD), 'the secret value appears in the plan');
  assert.ok(text.includes('[secret]') || text.includes('redacted'), text.slice(0, 200));
});

t('an unsafe unit: drift reported, no action; plans and drift reports show managed files', async () => {
  const { client, set } = await acme();
  const renderings = set.renderings.map((r) => (r.unit === 'traefik' ? { ...r, safe: false } : r));
  const live = liveOf(renderings);
  delete live.files['/etc/traefik/dynamic/odoops.yml'];
  const managed = planManaged({ target: 'acme', renderings, live });
  assert.equal(managed.actions, []);
  assert.equal(managed.drift.map((d) => d.unit), ['traefik']);
  const plan = { client: 'acme', revision: 'a'.repeat(40), instances: [], managed };
  assert.is(planExitCode([plan]), 2);
  const server: LiveState = { client: 'acme', reachable: true, host: { hostname: 'acme-srv', os: 'debian-12' }, instances: {} };
  const drift = fleetDriftStatus([{ spec: client, live: server, plan }], plan.revision, new Date());
  assert.is(driftStatusExitCode(drift), 2);
  assert.match(renderDriftStatusText(drift), /managed\.traefik:\/etc\/traefik\/dynamic\/odoops\.yml: now absent.*missing on the server; not fixed by apply/);
  assert.match(renderPlanText([plan], { color: false }), /drift not fixed by apply \(unsafe unit\)/);
});

t('a read failure blocks the managed plan with live-incomplete', async () => {
  const { set } = await acme();
  const plan = planManaged({ target: 'acme', renderings: set.renderings, live: { code: 'live-incomplete', message: 'python3: not found' } });
  assert.equal(plan.actions, []);
  assert.is(plan.blocked?.code, 'live-incomplete');
});

t.run();
