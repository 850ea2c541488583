/**
 * odoops command-line entry. Each command lives in its own file under operator/cli/ and
 * exports register(program). Commands load lazily: a run imports the one it needs (`--version`
 * imports none); `--help`, no command or an unknown one load them all to list them.
 * Errors become one line (stack with --debug).
 */
import { Command, CommanderError, Help, type Argument, type Option } from 'commander';
import { readFileSync } from 'node:fs';
import { OdoopsError, errorMessage } from '../util/errors.ts';
import { addExitCodes, EXIT, failureExitCode } from './exit-codes.ts';

type CommandModule = { register(program: Command): void };

/** One line per command: its name and its module. */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  sandbox: () => import('./sandbox.ts'),
  validate: () => import('./validate.ts'),
  show: () => import('./show.ts'),
  plan: () => import('./plan.ts'),
  apply: () => import('./apply.ts'),
  drift: () => import('./drift.ts'),
  resolve: () => import('./resolve.ts'),
  serve: () => import('./serve.ts'),
  render: () => import('./render.ts'),
  backup: () => import('./backup.ts'),
  backups: () => import('./backups.ts'),
  restore: () => import('./restore.ts'),
  reinstall: () => import('./reinstall.ts'),
  maintain: () => import('./maintain.ts'),
  status: () => import('./status.ts'),
};

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The command an argv runs ("help plan" -> plan), or null when none is named. */
function commandOf(argv: readonly string[]): string | null {
  const words = argv.filter((a) => !a.startsWith('-'));
  return (words[0] === 'help' ? words[1] : words[0]) ?? null;
}

/** Help shows defaults and choices as typed on a command line: 10, not "10". */
function unquoted(text: string): string {
  return text.replace(/\((?:choices|default): [^()]*\)$/, (extra) => extra.replace(/"([^"\\]*)"/g, '$1'));
}

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command();
  program
    .name('odoops')
    .description('GitOps operator for fleets of per-client Odoo servers')
    .version(pkg.version, '-V, --version', 'print the odoops version')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) })
    // Inherited by every command registered below.
    .configureHelp({
      optionDescription: (o: Option) => unquoted(Help.prototype.optionDescription.call(new Help(), o)),
      argumentDescription: (a: Argument) => unquoted(Help.prototype.argumentDescription.call(new Help(), a)),
    });
  const wanted = commandOf(argv);
  // `odoops --version` needs no command at all.
  if (wanted === null && (argv.includes('-V') || argv.includes('--version'))) return program;
  const names = wanted !== null && wanted in COMMANDS ? [wanted] : Object.keys(COMMANDS);
  for (const m of await Promise.all(names.map((n) => COMMANDS[n]!()))) m.register(program);
  addExitCodes(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      if (err.exitCode === 0) return EXIT.ok;
      return failureExitCode(EXIT.usage, argv);
    }
    if (err instanceof OdoopsError) {
      process.stderr.write(`odoops: ${err.message}\n`);
      if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
      return failureExitCode(err.exitCode, argv);
    }
    process.stderr.write(`odoops: internal error: ${errorMessage(err)}\n`);
    if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return EXIT.error;
  }
}

// A reader that stops early (`odoops --help | head`) ends the command quietly, as for other CLIs.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const code = await main(process.argv.slice(2));
process.exitCode = code;
