/**
 * odoops validate [--repo] [--rev] [--json]: every problem of the config repo — errors and
 * warnings — as path:line:col: message, then a summary. Without --rev, a local repo's working
 * tree is checked when it has uncommitted config changes (the summary says so).
 * Exit 0 valid (warnings allowed), 1 invalid, 2 usage.
 */
import type { Command } from 'commander';
import { errorsOf, formatIssue, warningsOf } from '../desired/issues.ts';
import { validateRepo } from '../desired/load.ts';
import { describeSource } from '../desired/source.ts';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('check the config repo (YAML, schema, semantic checks): errors fail, warnings do not')
    .option('--repo <path|url>', 'config repo: local path or git URL (default: current directory)')
    .option('--rev <rev>', 'branch, tag or commit to read (default: the working tree when it has uncommitted changes, else HEAD)')
    .option('--json', 'print a JSON report')
    .action(async (opts: { repo?: string; rev?: string; json?: boolean }) => {
      const r = await validateRepo({ repo: opts.repo, rev: opts.rev, worktree: 'read' });
      const errors = errorsOf(r.issues).length;
      const warnings = warningsOf(r.issues).length;
      if (opts.json) {
        const out = { valid: r.valid, revision: r.revision, source: r.source, clients: r.clients, errors, warnings, issues: r.issues };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        for (const i of r.issues) process.stdout.write(`${formatIssue(i)}\n`);
        const at = `${r.source.kind === 'commit' ? r.revision.slice(0, 12) : describeSource(r.source)}, ${plural(r.clients, 'client')}`;
        const w = warnings ? `, ${plural(warnings, 'warning')}` : '';
        process.stdout.write(r.valid ? `valid${w} (${at})\n` : `${plural(errors, 'problem')}${w} (${at})\n`);
      }
      process.exitCode = r.valid ? 0 : 1;
    });
}
