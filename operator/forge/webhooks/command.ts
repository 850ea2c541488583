/**
 * Comment commands, parsed with commander (the CLI's own parser), not with regular
 * expressions:
 *
 *   odoops plan  [-c CLIENT]... [-i INSTANCE]...
 *   odoops apply [-c CLIENT]... [-i INSTANCE]...
 *   odoops help
 *
 * A comment is a command when its first non-empty line starts with the word `odoops`; the
 * rest of the comment is free text. Client and instance names must match the schema's
 * patterns (schema/client.schema.json), so a reply never echoes arbitrary text.
 */
import { Command, CommanderError } from 'commander';
import clientSchema from '../../../schema/client.schema.json' with { type: 'json' };
import type { CommandError, CommandErrorCode, CommentCommand } from './types.ts';

const CLIENT_NAME = new RegExp(clientSchema.properties.name.pattern);
const INSTANCE_NAME = new RegExp(clientSchema.$defs.instanceName.pattern);

export const COMMAND_WORD = 'odoops';

export const COMMAND_USAGE = [
  'odoops plan [-c CLIENT]... [-i INSTANCE]...   plan again at the MR head (all clients the MR touches, or those named)',
  'odoops apply [-c CLIENT]... [-i INSTANCE]...  apply before merge: Maintainer (GitLab) or write (GitHub) access, approved and mergeable MR, current plan',
  'odoops help                                   this help',
].join('\n');

/** The command words of a comment, or null when the comment is not addressed to odoops. */
export function commandTokens(body: string): string[] | null {
  const first = body.split(/\r?\n/).find((line) => line.trim() !== '');
  if (!first) return null;
  const tokens = first.trim().split(/\s+/);
  return tokens[0] === COMMAND_WORD ? tokens.slice(1) : null;
}

type Parsed = { ok: true; command: CommentCommand } | { ok: false; error: CommandError };

const fail = (code: CommandErrorCode, message: string): Parsed => ({ ok: false, error: { code, message, usage: COMMAND_USAGE } });

const COMMANDER_CODES: Record<string, CommandErrorCode> = {
  'commander.unknownCommand': 'unknown-command',
  'commander.unknownOption': 'unknown-option',
  'commander.optionMissingArgument': 'missing-value',
  'commander.missingArgument': 'missing-value',
  'commander.excessArguments': 'unexpected-argument',
};

const quiet = { writeOut: () => {}, writeErr: () => {}, outputError: () => {} };
const collect = (value: string, previous: string[]) => [...previous, value];

/** Parses the words after `odoops` (see commandTokens). */
export function parseCommand(tokens: string[]): Parsed {
  let command: CommentCommand | null = null;
  const program = new Command(COMMAND_WORD).exitOverride().configureOutput(quiet).helpOption(false).helpCommand(false);
  for (const name of ['plan', 'apply'] as const) {
    program
      .command(name)
      .exitOverride()
      .configureOutput(quiet)
      .helpOption('-h, --help')
      .option('-c, --client <name>', 'a client (repeatable)', collect, [] as string[])
      .option('-i, --instance <name>', 'an instance (repeatable)', collect, [] as string[])
      .allowExcessArguments(false)
      .action((opts: { client: string[]; instance: string[] }) => {
        command = { name, clients: opts.client, instances: opts.instance };
      });
  }
  program.command('help').action(() => {
    command = { name: 'help' };
  });
  if (tokens.length === 0) return fail('missing-command', 'no command given');
  try {
    program.parse(tokens, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') return { ok: true, command: { name: 'help' } };
    const code = COMMANDER_CODES[err.code] ?? 'unknown-command';
    return fail(code, err.message.replace(/^error: /, ''));
  }
  const parsed = command as CommentCommand | null;
  if (!parsed) return fail('missing-command', 'no command given');
  if (parsed.name !== 'help') {
    const badClient = parsed.clients.find((c) => !CLIENT_NAME.test(c));
    if (badClient !== undefined) return fail('invalid-name', `${JSON.stringify(badClient.slice(0, 70))} is not a client name (${clientSchema.properties.name.patternErrorMessage})`);
    const badInstance = parsed.instances.find((i) => !INSTANCE_NAME.test(i));
    if (badInstance !== undefined) return fail('invalid-name', `${JSON.stringify(badInstance.slice(0, 40))} is not an instance name (${clientSchema.$defs.instanceName.patternErrorMessage})`);
  }
  return { ok: true, command: parsed };
}
