/**
 * The README's first command: brings up a 3-client sandbox fleet and walks through what
 * odoops does with it, calling the real `odoops` CLI as a user would:
 *   validate -> plan -> apply (windows honoured, then a manual override) -> drift
 *   -> someone edits a server by hand -> drift reports it
 *   -> a config change is committed -> plan -> apply -> drift is clean again.
 * The sandbox is removed at the end unless --keep is given. It lives in the same default
 * directory as `odoops sandbox ...` (outside the clone, see operator/sandbox/paths.ts), so the
 * README's sandbox commands work on a kept demo sandbox.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { assertRoot, downSandbox as sandboxDown, parseClientCount, sandboxExec, upSandbox } from '../operator/sandbox/index.ts';
import { checkSandboxDir, defaultSandboxDir } from '../operator/sandbox/paths.ts';
import { errorMessage, OdoopsError } from '../operator/util/errors.ts';
import { odoopsCommand } from '../operator/cli/invocation.ts';

const HELP = `Usage: npm run demo -- [options]

Brings up a sandbox fleet of 3 client servers (network namespaces, real sshd and PostgreSQL, docker/odoo
stand-ins) and walks through validate -> plan -> apply -> drift with the odoops CLI. Needs root.

Options:
  --dir DIR      sandbox directory (default: ${defaultSandboxDir()}, the one
                 "odoops sandbox up|down|status|fault" use; $ODOOPS_SANDBOX_DIR changes it)
  --keep         leave the sandbox running at the end (then: odoops sandbox status / down)
  --clients N    number of client servers (default: 3)
  --setup-only   only bring the sandbox up and validate its config repo (steps 1 and 2)
  -h, --help     show this help
`;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/odoops.mjs');
/** How the printed commands call odoops: `odoops` when on PATH (npm link), else bin/odoops.mjs by path. */
const cli = odoopsCommand();

function parseOptions(): { dir: string; clients: number; keep: boolean; setupOnly: boolean; help: boolean } {
  try {
    const { values } = parseArgs({
      options: {
        dir: { type: 'string' },
        clients: { type: 'string' },
        keep: { type: 'boolean' },
        'setup-only': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    });
    return {
      dir: path.resolve(values.dir ?? defaultSandboxDir()),
      clients: values.clients === undefined ? 3 : parseClientCount(values.clients),
      keep: !!values.keep,
      setupOnly: !!values['setup-only'],
      help: !!values.help,
    };
  } catch (err) {
    process.stderr.write(`demo: ${errorMessage(err)}\n\n${HELP}`);
    process.exit(2);
  }
}

const opts = parseOptions();
const { dir, keep } = opts;
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
/** The --dir to print in commands: none for the default directory. */
const dirArg = dir === defaultSandboxDir() ? '' : ` --dir ${dir}`;
/** Set once the demo starts making a sandbox: only then does a failure take it down. */
let upStarted = false;

function step(title: string): void {
  process.stdout.write(`\n${bold(`━━ ${title}`)}\n`);
}

/** Runs the odoops CLI with output shown; returns its exit code. */
function odoops(args: string[], env: NodeJS.ProcessEnv): number {
  process.stdout.write(`${bold(`$ ${cli} ${args.join(' ')}`)}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit', env });
  return r.status ?? 1;
}

function git(repo: string, args: string[]): void {
  const r = spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

async function main(): Promise<number> {
  // Refused up front, with the reason and a directory that works, before anything is made.
  assertRoot();
  await checkSandboxDir(dir);
  step(`1. Sandbox fleet: ${opts.clients} client server(s) (network namespaces, real sshd + PostgreSQL, docker/odoo stand-ins)`);
  if ((await sandboxDown({ dir })).found) process.stdout.write(`(took down the sandbox that was running in ${dir})\n`);
  upStarted = true;
  const { info, seconds } = await upSandbox({ clients: opts.clients, dir, log: () => undefined });
  process.stdout.write(`up in ${seconds.toFixed(1)} s; config repo: ${info.repoDir}\n`);
  for (const s of info.servers) process.stdout.write(`  ${s.client.padEnd(8)} ${s.user}@${s.host}:${s.port}  pinned ${s.hostKey}\n`);
  const env = { ...process.env, ODOOPS_SSH_KEY: info.privateKeyPath };
  const repo = ['--repo', info.repoDir];
  const failures: string[] = [];
  /** Checks an exit code and says what the step proved; codes: what each exit code means there. */
  const expect = (what: string, code: number, allowed: number[], codes: Record<number, string> = {}) => {
    if (!allowed.includes(code)) failures.push(`${what} exited ${code}`);
    const meaning = codes[code] ?? (code === 0 ? 'ok' : code === 1 ? 'error (or an instance failed/blocked)' : 'usage error');
    process.stdout.write(`${allowed.includes(code) ? '✓' : '✗'} exit ${code}: ${meaning}\n`);
  };
  const PLAN_CODES = { 0: 'no changes pending', 1: 'error', 2: 'changes pending (--detailed-exitcode)' };
  const DRIFT_CODES = { 0: 'no drift: the servers match git', 1: 'error', 2: 'drift found (--detailed-exitcode)' };

  step('2. Validate the desired state in git');
  expect('validate', odoops(['validate', ...repo], env), [0]);
  if (opts.setupOnly) return finish(info, failures);

  step('3. Plan: fresh servers (base only) against the desired state; each server answers over SSH with its pinned key');
  expect('plan', odoops(['plan', ...repo, '--detailed-exitcode'], env), [2], PLAN_CODES);

  step('4. Apply, honouring update windows: instances whose window is closed wait');
  expect('apply', odoops(['apply', ...repo], env), [0, 1]);

  step('5. Apply with a manual override of the windows (allowed where windows permit manual sync)');
  expect('apply --ignore-windows', odoops(['apply', ...repo, '--ignore-windows'], env), [0, 1]);

  step('6. Drift: live state vs git, nothing changed on the servers');
  expect('drift', odoops(['drift', ...repo, '--detailed-exitcode'], env), [0, 2], DRIFT_CODES);

  const first = info.servers[0]!;
  step(`7. Someone edits ${first.client}'s test instance by hand (workers = 9 in odoo.conf): drift says so`);
  const edit = await sandboxExec(info, first.client, ['sed', '-i', 's/^workers = .*/workers = 9/', '/srv/odoo/test/odoo.conf']);
  if (edit.code !== 0) failures.push(`hand edit failed: ${edit.stderr}`);
  expect('drift after hand edit', odoops(['drift', ...repo, '--detailed-exitcode'], env), [2], DRIFT_CODES);

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
  expect('plan after commit', odoops(['plan', ...repo, '--client', first.client, '--detailed-exitcode'], env), [2], PLAN_CODES);
  expect('apply after commit', odoops(['apply', ...repo, '--client', first.client, '--ignore-windows'], env), [0]);

  step('9. Drift again: the servers match git');
  expect('final drift', odoops(['drift', ...repo, '--client', first.client, '--detailed-exitcode'], env), [0], DRIFT_CODES);

  return finish(info, failures);
}

async function finish(info: { privateKeyPath: string; repoDir: string }, failures: string[]): Promise<number> {
  if (keep) {
    process.stdout.write(
      `\nSandbox kept in ${dir}:\n  export ODOOPS_SSH_KEY=${info.privateKeyPath}\n  ${cli} plan --repo ${info.repoDir}\n  ${cli} sandbox status${dirArg}\n  ${cli} sandbox down${dirArg}\n`,
    );
  } else {
    step('Sandbox down');
    await sandboxDown({ dir });
  }
  if (failures.length) {
    process.stderr.write(`\ndemo: unexpected results:\n  ${failures.join('\n  ')}\n`);
    return 1;
  }
  process.stdout.write(`\n${bold('demo finished: every step behaved as expected')}\n`);
  process.stdout.write('Next: a config repo of your own: README.md, "Writing a config repo" (start from examples/minimal/),\nthen "Preparing a server" (docs/preparing-a-server.md) before `plan` against a real one.\n');
  return 0;
}

if (opts.help) {
  process.stdout.write(HELP);
} else {
  main().then(
    (code) => { process.exitCode = code; },
    async (err) => {
      process.stderr.write(`demo: ${errorMessage(err)}\n`);
      if (!keep && upStarted) await sandboxDown({ dir }).catch(() => undefined);
      process.exitCode = err instanceof OdoopsError ? err.exitCode : 1;
    },
  );
}
