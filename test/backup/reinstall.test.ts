/**
 * `odoops reinstall` (issue 8 item 5) on the sandbox, with real restic: a client backed up
 * to an SFTP backup host and the S3 host is rebuilt on another, empty server (nothing under
 * /srv/odoo, no Odoo database): both instances serve the same data as before, the old server
 * is never touched, and the config change comes out as a patch that git apply takes (--patch;
 * with a forge, a branch and merge request: test/backup/proposal.test.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDesiredState } from '../../operator/desired/index.ts';
import type { ClientSpec } from '../../operator/desired/types.ts';
import { sandboxDown, sandboxExec, sandboxUp } from '../../operator/sandbox/index.ts';
import { runOdoops } from '../util/cli.ts';
import type { SandboxInfo } from '../util/sandbox.ts';

const t = suite('backups: reinstall onto an empty server');
let info: SandboxInfo | undefined;
let spec: ClientSpec;

const odoops = (args: string[]) => runOdoops(info!, [...args, '--repo', info!.repoDir], { [`RESTIC_PASSWORD_${spec.name.toUpperCase()}`]: 'reinstall test password' });

async function on(host: string, argv: string[]): Promise<string> {
  const r = await sandboxExec(info!, host, argv, { timeoutMs: 120_000 });
  assert.is(r.code, 0, `${host}: ${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const psql = (host: string, db: string, sql: string) => on(host, ['psql', '-h', '/var/run/postgresql', '-U', 'odoo', '-d', db, '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql]);

async function data(host: string): Promise<string[]> {
  const out: string[] = [];
  for (const i of spec.instances) {
    out.push(await psql(host, i.database, "SELECT count(*) || ' ' || md5(string_agg(id || ':' || name, ',' ORDER BY id)) FROM res_partner"));
    out.push(await on(host, ['sh', '-c', 'cd "$1" && find . -type f -path "./filestore/*" | sort | xargs -r sha256sum', 'sh', `/srv/odoo/${i.name}/filestore`]));
  }
  return out;
}

t.before(async () => {
  info = await sandboxUp({ clients: 2, dir: await mkdtemp(path.join(os.tmpdir(), 'odoops-sandbox-')), backupHosts: 1 });
  spec = (await loadDesiredState({ repo: info.repoDir })).clients.find((c) => c.name === info!.servers[0]!.client)!;
});

t.after(async () => {
  if (info) await sandboxDown({ dir: info.dir });
});

t('a client rebuilt on an empty server from its backups serves the same data; the old server is untouched', async () => {
  const [old, fresh] = info!.servers as [SandboxInfo['servers'][0], SandboxInfo['servers'][0]];
  for (const i of spec.instances) {
    await psql(old.client, i.database, `INSERT INTO res_partner (name, display_name, create_date, write_date) SELECT '${i.name} customer ' || g, 'x', now(), now() FROM generate_series(1, 40) g`);
    await on(old.client, ['sh', '-c', 'd="/srv/odoo/$1/filestore/filestore/$2/aa"; mkdir -p "$d" && head -c 50000 /dev/urandom > "$d/aa01"', 'sh', i.name, i.database]);
  }
  const b = await odoops(['backup', spec.name]);
  assert.is(b.code, 0, b.stdout + b.stderr);
  const before = await data(old.client);

  // The other sandbox server made empty: no instance, no Odoo database (as `sandbox up --bare` leaves one).
  for (const dir of (await on(fresh.client, ['sh', '-c', 'ls /srv/odoo'])).trim().split('\n').filter(Boolean)) {
    await on(fresh.client, ['docker', 'compose', '-f', `/srv/odoo/${dir}/compose.yaml`, 'stop']);
  }
  await on(fresh.client, ['sh', '-c', 'rm -rf /srv/odoo/*']);
  for (const db of (await psql(fresh.client, 'postgres', "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')")).trim().split('\n').filter(Boolean)) {
    await psql(fresh.client, 'postgres', `DROP DATABASE "${db}"`);
  }
  const oldJournal = await on(old.client, ['sh', '-c', 'cat /var/lib/odoops/journal.log 2>/dev/null | wc -l; ls /var/lib/odoops/snapshots 2>/dev/null | wc -l']);

  // --patch: the sandbox's fleet.yaml names a forge (examples/fleet) that does not exist here;
  // the merge request path is tested against fake forges in proposal.test.ts.
  const r = await odoops(['reinstall', spec.name, '--host', fresh.host, '--host-key', fresh.hostKey, '--patch']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.equal(await data(fresh.client), before, 'same data on the new server');
  for (const i of spec.instances) assert.match(await on(fresh.client, ['curl', '-fsS', `http://127.0.0.1:${i.httpPort}/web/health`]), /pass/, i.name);
  // The old server: nothing written by the reinstall.
  assert.is(await on(old.client, ['sh', '-c', 'cat /var/lib/odoops/journal.log 2>/dev/null | wc -l; ls /var/lib/odoops/snapshots 2>/dev/null | wc -l']), oldJournal);
  // The patch: the client file with the new host and host key, for git apply.
  assert.match(r.stdout, new RegExp(`^\\+  host: ${fresh.host.replace(/\./g, '\\.')}`, 'm'));
  assert.match(r.stdout, new RegExp(`^\\+  hostKey: ${fresh.hostKey.replace(/[+/]/g, '\\$&')}`, 'm'));
  const check = spawnSync('git', ['-C', info!.repoDir, 'apply', '--check', '-'], { input: r.stdout, encoding: 'utf8' });
  assert.is(check.status, 0, check.stderr);
});

t.run();
