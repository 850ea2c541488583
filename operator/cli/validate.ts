/**
 * odoops validate [--repo] [--rev] [--json]: every problem of the config repo at a revision
 * as path:line:col: message, then a summary. Exit 0 valid, 1 invalid, 2 usage.
 */
import type { Command } from 'commander';
import { formatIssue } from '../desired/issues.ts';
import { validateRepo } from '../desired/load.ts';

export function register(program: Command): void {
  program
    .command('validate')
    .description('check the config repo (YAML, schema, semantic checks) at a revision')
    .option('--repo <path|url>', 'config repo: local path or git URL (default: current directory)')
    .option('--rev <rev>', 'branch, tag or commit to read (default: HEAD)')
    .option('--json', 'print a JSON report')
    .action(async (opts: { repo?: string; rev?: string; json?: boolean }) => {
      const r = await validateRepo({ repo: opts.repo, rev: opts.rev });
      const valid = r.issues.length === 0;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ valid, revision: r.revision, clients: r.clients, issues: r.issues }, null, 2)}\n`);
      } else {
        for (const i of r.issues) process.stdout.write(`${formatIssue(i)}\n`);
        const n = r.issues.length;
        const at = `${r.revision.slice(0, 12)}, ${r.clients} client${r.clients === 1 ? '' : 's'}`;
        process.stdout.write(valid ? `valid (${at})\n` : `${n} problem${n === 1 ? '' : 's'} (${at})\n`);
      }
      process.exitCode = valid ? 0 : 1;
    });
}
