/**
 * odoops show CLIENT [--repo] [--rev] [--json]: one client's fully resolved desired state
 * (fleet defaults merged in, backup destinations resolved).
 */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadDesiredState } from '../desired/load.ts';
import { OdoopsError } from '../util/errors.ts';

export function register(program: Command): void {
  program
    .command('show')
    .description("print a client's fully resolved desired state")
    .argument('<client>', 'client name (clients/<name>.yaml)')
    .option('--repo <path|url>', 'config repo: local path or git URL (default: current directory)')
    .option('--rev <rev>', 'branch, tag or commit to read (default: HEAD)')
    .option('--json', 'print JSON instead of YAML')
    .action(async (name: string, opts: { repo?: string; rev?: string; json?: boolean }) => {
      const state = await loadDesiredState({ repo: opts.repo, rev: opts.rev });
      const client = state.clients.find((c) => c.name === name);
      if (!client) {
        const known = state.clients.map((c) => c.name);
        const list = known.length > 10 ? `${known.slice(0, 10).join(', ')}, ...` : known.join(', ') || 'none';
        throw new OdoopsError(`unknown client "${name}" at ${state.revision.slice(0, 12)} (clients: ${list})`);
      }
      const out = { revision: state.revision, ...client };
      process.stdout.write(opts.json ? `${JSON.stringify(out, null, 2)}\n` : `# resolved desired state of ${name} at ${state.revision}\n${stringify(out)}`);
    });
}
