/**
 * The README's first command: brings up a 3-client sandbox fleet and walks through what
 * odoops does with it, calling the real `odoops` CLI as a user would:
 *   validate -> plan -> apply (windows honoured, then a manual override) -> drift
 *   -> someone edits a server by hand -> drift reports it
 *   -> a config change is committed -> plan -> apply -> drift is clean again.
 * The sandbox is removed at the end unless --keep is given.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { sandboxDown, sandboxExec, upSandbox } from '../operator/sandbox/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/odoops.mjs');
const dir = path.join(root, '.sandbox/demo');
const keep = process.argv.includes('--keep');
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function step(title: string): void {
  process.stdout.write(`\n${bold(`━━ ${title}`)}\n`);
}

/** Runs the odoops CLI with output shown; returns its exit code. */
function odoops(args: string[], env: NodeJS.ProcessEnv): number {
  process.stdout.write(`${bold('$ odoops ' + args.join(' '))}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit', env });
  return r.status ?? 1;
}

function git(repo: string, args: string[]): void {
  const r = spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

async function main(): Promise<number> {
  step('1. Sandbox fleet: 3 client servers (network namespaces, real sshd + PostgreSQL, docker/odoo stand-ins)');
  await sandboxDown({ dir }).catch(() => undefined);
  const { info, seconds } = await upSandbox({ clients: 3, dir, log: () => undefined });
  process.stdout.write(`up in ${seconds.toFixed(1)} s; config repo: ${info.repoDir}\n`);
  for (const s of info.servers) process.stdout.write(`  ${s.client.padEnd(8)} ${s.user}@${s.host}:${s.port}  pinned ${s.hostKey}\n`);
  const env = { ...process.env, ODOOPS_SSH_KEY: info.privateKeyPath };
  const repo = ['--repo', info.repoDir];
  const failures: string[] = [];
  const expect = (what: string, code: number, allowed: number[]) => {
    if (!allowed.includes(code)) failures.push(`${what} exited ${code}`);
  };

  step('2. Validate the desired state in git');
  expect('validate', odoops(['validate', ...repo], env), [0]);

  step('3. Plan: fresh servers (base only) against the desired state; each server answers over SSH with its pinned key');
  expect('plan', odoops(['plan', ...repo, '--detailed-exitcode'], env), [2]);

  step('4. Apply, honouring update windows: instances whose window is closed wait');
  expect('apply', odoops(['apply', ...repo], env), [0, 1]);

  step('5. Apply with a manual override of the windows (allowed where windows permit manual sync)');
  expect('apply --ignore-windows', odoops(['apply', ...repo, '--ignore-windows'], env), [0, 1]);

  step('6. Drift: live state vs git, nothing changed on the servers');
  expect('drift', odoops(['drift', ...repo, '--detailed-exitcode'], env), [0, 2]);

  const first = info.servers[0]!;
  step(`7. Someone edits ${first.client}'s test instance by hand (workers = 9 in odoo.conf): drift says so`);
  const edit = await sandboxExec(info, first.client, ['sed', '-i', 's/^workers = .*/workers = 9/', '/srv/odoo/test/odoo.conf']);
  if (edit.code !== 0) failures.push(`hand edit failed: ${edit.stderr}`);
  expect('drift after hand edit', odoops(['drift', ...repo, '--detailed-exitcode'], env), [2]);

  step(`8. A merge to the config repo: ${first.client} gets the crm module on both instances`);
  const file = path.join(info.repoDir, 'clients', `${first.client}.yaml`);
  const doc = parseDocument(readFileSync(file, 'utf8'));
  for (const instance of ['test', 'production']) {
    const modules = doc.getIn(['instances', instance, 'modules']) as { add(v: unknown): void } | undefined;
    modules?.add('crm');
  }
  writeFileSync(file, doc.toString());
  git(info.repoDir, ['add', '-A']);
  git(info.repoDir, ['-c', 'user.email=demo@odoops.invalid', '-c', 'user.name=demo', 'commit', '-qm', `${first.client}: add crm`]);
  expect('plan after commit', odoops(['plan', ...repo, '--client', first.client, '--detailed-exitcode'], env), [2]);
  expect('apply after commit', odoops(['apply', ...repo, '--client', first.client, '--ignore-windows'], env), [0]);

  step('9. Drift again: the servers match git');
  expect('final drift', odoops(['drift', ...repo, '--client', first.client, '--detailed-exitcode'], env), [0]);

  if (keep) {
    process.stdout.write(`\nSandbox kept in ${dir}:\n  export ODOOPS_SSH_KEY=${info.privateKeyPath}\n  odoops plan --repo ${info.repoDir}\n  odoops sandbox down --dir ${dir}\n`);
  } else {
    step('10. Sandbox down');
    await sandboxDown({ dir });
  }
  if (failures.length) {
    process.stderr.write(`\ndemo: unexpected results:\n  ${failures.join('\n  ')}\n`);
    return 1;
  }
  process.stdout.write(`\n${bold('demo finished: every step behaved as expected')}\n`);
  return 0;
}

main().then(
  (code) => { process.exitCode = code; },
  async (err) => {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    if (!keep) await sandboxDown({ dir }).catch(() => undefined);
    process.exitCode = 1;
  },
);
