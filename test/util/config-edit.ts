/**
 * Editing a config repo clone in tests and benches: git as a fixed test identity (throws one
 * line with git's stderr), and a YAML file changed through its document (comments kept).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';

export function gitIn(dir: string, ...args: string[]): string {
  const r = spawnSync('git', ['-C', dir, '-c', 'user.email=t@odoops.invalid', '-c', 'user.name=t', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

export function editYaml(file: string, change: (doc: ReturnType<typeof parseDocument>) => void): void {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  change(doc);
  writeFileSync(file, doc.toString({ lineWidth: 0 }));
}
