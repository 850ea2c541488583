/**
 * odoops command-line entry. Each command lives in its own file under operator/cli/
 * and exports register(program). Errors become one line (stack with --debug).
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { OdoopsError, errorMessage } from '../util/errors.ts';
import { register as registerSandbox } from './sandbox.ts';
import { register as registerValidate } from './validate.ts';
import { register as registerShow } from './show.ts';
import { register as registerPlan } from './plan.ts';
import { register as registerApply } from './apply.ts';
import { register as registerDrift } from './drift.ts';
import { register as registerResolve } from './resolve.ts';
import { register as registerServe } from './serve.ts';
import { register as registerRender } from './render.ts';
import { register as registerBackup } from './backup.ts';
import { register as registerBackups } from './backups.ts';
import { register as registerRestore } from './restore.ts';
import { register as registerReinstall } from './reinstall.ts';
import { register as registerMaintain } from './maintain.ts';
import { register as registerStatus } from './status.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('odoops')
    .description('GitOps operator for fleets of per-client Odoo servers')
    .version(pkg.version, '-V, --version', 'print the odoops version')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });
  registerSandbox(program);
  registerValidate(program);
  registerShow(program);
  registerPlan(program);
  registerApply(program);
  registerDrift(program);
  registerResolve(program);
  registerServe(program);
  registerRender(program);
  registerBackup(program);
  registerBackups(program);
  registerRestore(program);
  registerReinstall(program);
  registerMaintain(program);
  registerStatus(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      if (err.exitCode === 0) return 0;
      return 2;
    }
    if (err instanceof OdoopsError) {
      process.stderr.write(`odoops: ${err.message}\n`);
      if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
      return err.exitCode;
    }
    process.stderr.write(`odoops: internal error: ${errorMessage(err)}\n`);
    if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
