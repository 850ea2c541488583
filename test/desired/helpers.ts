/** Temp git repos for desired-state tests (system git, like a user's repo). */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const EXAMPLES = path.join(root, 'examples/fleet');

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: os.tmpdir(),
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function tempDir(prefix = 'odoops-desired-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes files (path -> content; null deletes) and commits them; returns the commit SHA. */
export function commit(dir: string, files: Record<string, string | null>, message = 'change'): string {
  for (const [p, content] of Object.entries(files)) {
    const abs = path.join(dir, p);
    if (content === null) fs.rmSync(abs, { force: true });
    else {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, content);
    }
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/** A new repo holding a copy of examples/fleet at its root, committed on main. */
export function exampleRepo(): { dir: string; head: string } {
  const dir = tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  const files: Record<string, string> = {};
  for (const p of ['fleet.yaml', 'clients/acme.yaml', 'clients/boreal.yaml', 'clients/cobalt.yaml']) {
    files[p] = fs.readFileSync(path.join(EXAMPLES, p), 'utf8');
  }
  return { dir, head: commit(dir, files, 'example fleet') };
}

export function readExample(p: string): string {
  return fs.readFileSync(path.join(EXAMPLES, p), 'utf8');
}

/** Config files in memory (no git), as analyzeFiles takes them. */
export function configFiles(fleet: string | null, clients: Record<string, string>) {
  const file = (p: string, text: string) => ({ path: p, text, oid: `${p}:${text.length}` });
  return { fleet: fleet === null ? null : file('fleet.yaml', fleet), clients: Object.entries(clients).map(([p, t]) => file(p, t)), skipped: [] };
}

/** The valid client of the invalid corpus (test/desired/fixtures/zeta.yaml). */
export function zeta(): string {
  return fs.readFileSync(path.join(root, 'test/desired/fixtures/zeta.yaml'), 'utf8');
}
