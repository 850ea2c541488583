/**
 * odoops show CLIENT [--repo] [--rev] [--json]: one client's fully resolved desired state
 * (fleet defaults merged in, backup destinations resolved), which sections odoops does not
 * enforce yet, and when each update window opens next.
 */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { declaredNotEnforced, NOT_ENFORCED_NOTE } from '../desired/enforcement.ts';
import { loadDesiredState } from '../desired/load.ts';
import { describeSource } from '../desired/source.ts';
import type { ClientSpec, WindowSpec } from '../desired/types.ts';
import { describeWindow, formatAt, windowOpenings, windowStatus } from '../plan/windows.ts';
import { OdoopsError } from '../util/errors.ts';
import { unknownClientMessage } from '../desired/unknown-client.ts';

/** Openings listed per window. */
const OPENINGS = 3;

interface WindowView {
  path: string;
  window: WindowSpec;
  nextOpenings: Date[];
}

function windowsOf(client: ClientSpec, at: Date): WindowView[] {
  const out: WindowView[] = [];
  const add = (path: string, w: WindowSpec | undefined) => {
    if (w) out.push({ path, window: w, nextOpenings: windowOpenings(w, at, OPENINGS) });
  };
  for (const inst of client.instances) inst.windows.forEach((w, i) => add(`instances.${inst.name}.windows[${i}]`, w));
  add('maintenance.security', client.maintenance.security);
  add('maintenance.os', client.maintenance.os);
  return out;
}

export function register(program: Command): void {
  program
    .command('show')
    .description("print a client's fully resolved desired state and when its windows open next")
    .argument('<client>', 'client name (clients/<name>.yaml)')
    .option('--repo <path|url>', 'config repo: local path or git URL (default: current directory)')
    .option('--rev <rev>', 'branch, tag or commit to read (default: the working tree when it has uncommitted changes, else HEAD)')
    .option('--json', 'print JSON instead of YAML')
    .action(async (name: string, opts: { repo?: string; rev?: string; json?: boolean }) => {
      const state = await loadDesiredState({ repo: opts.repo, rev: opts.rev, worktree: 'read' });
      const client = state.clients.find((c) => c.name === name);
      const where = state.source.kind === 'commit' ? state.revision.slice(0, 12) : describeSource(state.source);
      if (!client) {
        throw new OdoopsError(unknownClientMessage([name], state.clients.map((c) => c.name), where));
      }
      const now = new Date();
      const windows = windowsOf(client, now);
      const notEnforced = declaredNotEnforced(client);
      const status = Object.fromEntries(client.instances.map((i) => [i.name, windowStatus(i.windows, now)]));
      if (opts.json) {
        const out = {
          revision: state.revision,
          source: state.source,
          ...client,
          notYetEnforced: notEnforced,
          windowStatus: status,
          windows: windows.map((w) => ({ path: w.path, ...w.window, nextOpenings: w.nextOpenings.map((d) => d.toISOString()) })),
        };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      const lines = [`# resolved desired state of ${name} at ${state.source.kind === 'commit' ? state.revision : describeSource(state.source)}`];
      if (notEnforced.length) lines.push(`# ${NOT_ENFORCED_NOTE}: ${notEnforced.join(', ')}`);
      const out = [`${lines.join('\n')}\n${stringify({ revision: state.revision, ...client })}`, `# update windows (now ${formatAt(now.getTime(), 'UTC')})`];
      for (const inst of client.instances) out.push(`#   ${inst.name}: ${status[inst.name]!.description}`);
      for (const w of windows) {
        const zone = w.window.timeZone;
        const next = w.nextOpenings.map((d) => formatAt(d.getTime(), zone).replace(` ${zone}`, ''));
        out.push(`#   ${w.path} ${describeWindow(w.window)} opens ${next.length ? `${next.join(', ')} (${zone})` : 'never'}`);
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
