/**
 * The git side of a sandbox: the fixture addons repositories (bare repos served over
 * file://) and the config repository generated from examples/fleet with the sandbox's
 * real addresses, host keys and addons URLs filled in. YAML is edited through the `yaml`
 * Document API so comments and layout of the examples survive.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, isMap, isScalar, isSeq, parseDocument, visit } from 'yaml';
import { loadDesiredState, ValidationFailed, formatIssue, type ClientSpec } from '../desired/index.ts';
import { OdoopsError } from '../util/errors.ts';
import { runOk } from './proc.ts';
import { odoopsCommand } from '../cli/invocation.ts';
import { defaultSandboxDir } from './paths.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = path.join(REPO_ROOT, 'operator/sandbox/fixtures');
/** Fixture addons repositories published by every sandbox. */
export const ADDONS_FIXTURES = ['integrator-addons'] as const;

// Fixed identity and dates: every sandbox publishes the same commits (stable SHAs in tests).
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'odoops sandbox',
  GIT_AUTHOR_EMAIL: 'sandbox@odoops.invalid',
  GIT_COMMITTER_NAME: 'odoops sandbox',
  GIT_COMMITTER_EMAIL: 'sandbox@odoops.invalid',
  GIT_AUTHOR_DATE: '2026-01-05T10:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-05T10:00:00Z',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: '/nonexistent',
};

function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = GIT_ENV): Promise<string> {
  return runOk(['git', ...args], { cwd, env, what: `git ${args[0]} in ${cwd}` });
}

/** name -> file:// URL of the bare repository createAddonsRepos publishes (known before it exists). */
export function addonsRepoUrls(dir: string): Record<string, string> {
  return Object.fromEntries(ADDONS_FIXTURES.map((name) => [name, `file://${path.join(dir, 'git', `${name}.git`)}`]));
}

/** Publish the fixture addons repos as DIR/git/<name>.git (branch main, tag v1.0). Returns name -> file:// URL. */
export async function createAddonsRepos(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const urls = addonsRepoUrls(dir);
  for (const name of ADDONS_FIXTURES) {
    const work = path.join(dir, 'git', `.work-${name}`);
    const bare = path.join(dir, 'git', `${name}.git`);
    await rm(work, { recursive: true, force: true });
    await mkdir(path.dirname(work), { recursive: true });
    await cp(path.join(FIXTURES, name), work, { recursive: true });
    await git(work, ['init', '-q', '-b', 'main']);
    await git(work, ['add', '.']);
    await git(work, ['commit', '-q', '-m', `${name} 1.0`]);
    await git(work, ['tag', 'v1.0']);
    await git(dir, ['init', '-q', '--bare', '-b', 'main', bare]);
    await git(work, ['push', '-q', bare, 'main', 'v1.0']);
    await rm(work, { recursive: true, force: true });
    out[name] = urls[name]!;
  }
  return out;
}

/** Where the example config repo comes from: examples/fleet once it exists, else the fixture. */
export function fleetSource(): string {
  const examples = path.join(REPO_ROOT, 'examples/fleet');
  if (existsSync(path.join(examples, 'fleet.yaml')) && existsSync(path.join(examples, 'clients'))) return examples;
  return path.join(FIXTURES, 'fleet');
}

export interface ClientTemplate {
  file: string;
  name: string;
  doc: Document;
}

export interface PlannedClient {
  name: string;
  template: ClientTemplate;
}

function parseYaml(file: string, text: string): Document {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? 0;
    throw new OdoopsError(`${file}:${line}: ${e.message.split('\n')[0]}`);
  }
  return doc;
}

async function loadTemplates(source: string): Promise<{ fleet: Document; clients: ClientTemplate[] }> {
  const fleetFile = path.join(source, 'fleet.yaml');
  const fleet = parseYaml(fleetFile, await readFile(fleetFile, 'utf8'));
  const files = (await readdir(path.join(source, 'clients'))).filter((f) => /\.ya?ml$/.test(f)).sort();
  const clients: ClientTemplate[] = [];
  for (const f of files) {
    const file = path.join(source, 'clients', f);
    const doc = parseYaml(file, await readFile(file, 'utf8'));
    const name = doc.get('name');
    if (typeof name !== 'string') throw new OdoopsError(`${file}: no client name`);
    clients.push({ file, name, doc });
  }
  if (clients.length === 0) throw new OdoopsError(`${source}/clients: no client files to use as templates`);
  return { fleet, clients };
}

function renamed(value: string, from: string, to: string): string {
  return from === to ? value : value.split(from).join(to);
}

/**
 * Decide client names, cycling through the examples (acme, boreal, cobalt, acme2, ...).
 * What each server runs is not decided here: it is the desired state the product resolves
 * from the generated repo (loadSandboxDesired).
 */
export async function planClients(count: number): Promise<{ source: string; fleet: Document; clients: PlannedClient[] }> {
  const source = fleetSource();
  const { fleet, clients: templates } = await loadTemplates(source);
  const planned: PlannedClient[] = [];
  for (let i = 0; i < count; i++) {
    const template = templates[i % templates.length]!;
    const round = Math.floor(i / templates.length);
    planned.push({ name: round === 0 ? template.name : `${template.name}${round + 1}`, template });
  }
  return { source, fleet, clients: planned };
}

/**
 * The generated repo read, validated and resolved by the product (defaults, inheritance),
 * exactly as `odoops validate`/`plan` read it: the sandbox provisions what this says.
 */
export async function loadSandboxDesired(repoDir: string): Promise<Map<string, ClientSpec>> {
  try {
    const state = await loadDesiredState({ repo: repoDir });
    return new Map(state.clients.map((c) => [c.name, c]));
  } catch (err) {
    if (err instanceof ValidationFailed) {
      throw new OdoopsError(`sandbox: the config repo it generated (${repoDir}) does not validate:\n  ${err.errors.map(formatIssue).join('\n  ')}`);
    }
    throw err;
  }
}

/** Point every `{ name: <fixture repo>, url: ... }` map at the sandbox's bare repo. */
function rewriteAddons(doc: Document, addonsRepos: Record<string, string>): void {
  visit(doc, {
    Map(_key, node) {
      const name = node.get('name');
      if (typeof name === 'string' && node.has('url') && addonsRepos[name]) node.set('url', addonsRepos[name]);
    },
  });
}

/** A backup destination on the sandbox network, replacing the examples' (fleet.yaml backupDestinations). */
export interface SandboxDestination {
  name: string;
  url: string;
  site: string;
  credentials: string;
  /** sftp: the host's SSH key "TYPE BASE64". */
  hostKey?: string;
  /** https with the sandbox CA: file: reference to its certificate. */
  caCert?: string;
}

/** A monitoring host as fleet.yaml's monitoringServers lists it (an SSH target, host key pinned). */
export interface SandboxMonitoringServer {
  name: string;
  host: string;
  hostKey: string;
}

/** The central log host as fleet.yaml's logHost names it. */
export interface SandboxLogHost {
  host: string;
  port: number;
  caCert: string;
  serverName: string;
}

/** What the sandbox network adds to the generated repo. */
export interface NetworkFacts {
  /** When non-empty: the only backup destinations; the examples' destination names map onto them in order. */
  destinations: SandboxDestination[];
  /** When non-empty: fleet.yaml monitoringServers. */
  monitoringServers: SandboxMonitoringServer[];
  logHost?: SandboxLogHost;
}

/** Rename backup destinations in a `destinations` list of names. */
function renameDestinations(doc: Document, at: string[], renames: Map<string, string>): void {
  const list = doc.getIn(at);
  if (!isSeq(list)) return;
  list.items = list.items.map((item) => {
    const name = isScalar(item) ? String(item.value) : String(item);
    return doc.createNode(renames.get(name) ?? name);
  });
}

/** Point fleet.yaml's backup destinations, monitoring servers and log host at the sandbox network's hosts. */
function useNetwork(fleet: Document, network: NetworkFacts): Map<string, string> {
  const renames = new Map<string, string>();
  if (network.destinations.length > 0) {
    const old = fleet.get('backupDestinations');
    const oldNames = isMap(old) ? old.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key)) : [];
    oldNames.forEach((n, i) => renames.set(n, network.destinations[i % network.destinations.length]!.name));
    const map: Record<string, Omit<SandboxDestination, 'name'>> = {};
    for (const d of network.destinations) {
      map[d.name] = { url: d.url, site: d.site, credentials: d.credentials, ...(d.hostKey ? { hostKey: d.hostKey } : {}), ...(d.caCert ? { caCert: d.caCert } : {}) };
    }
    fleet.set('backupDestinations', fleet.createNode(map));
    renameDestinations(fleet, ['defaults', 'backups', 'destinations'], renames);
  }
  if (network.monitoringServers.length > 0) fleet.set('monitoringServers', fleet.createNode(network.monitoringServers));
  if (network.logHost) fleet.set('logHost', fleet.createNode(network.logHost));
  return renames;
}

export interface ServerFacts {
  host: string;
  port: number;
  user: string;
  hostKey: string;
}

/** The README of the sandbox's config repo: commands that work as printed, from any directory. */
export function sandboxReadme(repoDir: string, clients: string[]): string {
  const odoops = odoopsCommand();
  const repo = `--repo ${repoDir}`;
  const sandboxDir = path.dirname(repoDir);
  const dirArg = path.resolve(sandboxDir) === defaultSandboxDir() ? '' : ` --dir ${sandboxDir}`;
  const first = clients[0] ?? 'acme';
  return `# Sandbox config repository

The desired state of this sandbox fleet (${clients.join(', ')}), generated by \`odoops sandbox up\`
from \`examples/fleet/\` of the odoops checkout (${REPO_ROOT}), with each client's \`server\` pointing
at its sandbox server and addons read from the sandbox's own git repositories. It is a real
git repository: edit a client file, commit, and plan or apply.

\`\`\`sh
${odoops} validate ${repo}
${odoops} show ${first} ${repo}
${odoops} plan ${repo}
${odoops} apply ${repo} --client ${first}/test --ignore-windows
${odoops} drift ${repo}
${odoops} sandbox status${dirArg}        # the servers, their addresses and what runs on them
${odoops} sandbox down${dirArg}          # removes the sandbox, this repository included
\`\`\`

The SSH key odoops needs is the sandbox's: set \`ODOOPS_SSH_KEY=${path.join(sandboxDir, 'id_ed25519')}\`
(\`sandbox up\` printed it). \`schema/\` holds the JSON schemas the files'
\`$schema\` lines point at (editor completion). How the files are written: the README of
odoops (section "Writing a config repo") and \`examples/fleet/README.md\` in the checkout.
`;
}

/** Write DIR/config: the example repo with one file per sandbox client, committed. */
export async function writeConfigRepo(
  repoDir: string,
  plan: { source: string; fleet: Document; clients: PlannedClient[] },
  servers: Record<string, ServerFacts>,
  addonsRepos: Record<string, string>,
  network: NetworkFacts = { destinations: [], monitoringServers: [] },
): Promise<void> {
  await rm(repoDir, { recursive: true, force: true });
  await cp(plan.source, repoDir, { recursive: true, filter: (src) => path.basename(src) !== '.git' });
  const schemaDir = path.join(REPO_ROOT, 'schema');
  if (!existsSync(path.join(repoDir, 'schema')) && existsSync(schemaDir)) {
    await cp(schemaDir, path.join(repoDir, 'schema'), { recursive: true });
  }
  for (const f of await readdir(path.join(repoDir, 'clients'))) {
    if (/\.ya?ml$/.test(f)) await rm(path.join(repoDir, 'clients', f));
  }
  // The example's README describes examples/ (its paths, its clients): the sandbox's own says what is here.
  await writeFile(path.join(repoDir, 'README.md'), sandboxReadme(repoDir, plan.clients.map((c) => c.name)));
  const write = async (rel: string, doc: Document) => {
    // lineWidth 0: keep one-line flow maps ({ kind: allow, ... }) on one line, as written.
    const text = doc.toString({ lineWidth: 0 }).replace(/(\$schema=)(\S+)/g, (all, key: string, ref: string) => {
      const local = path.join(repoDir, 'schema', path.basename(ref));
      return existsSync(local) ? key + path.relative(path.dirname(path.join(repoDir, rel)), local) : all;
    });
    await writeFile(path.join(repoDir, rel), text);
  };
  const fleet = plan.fleet.clone();
  rewriteAddons(fleet, addonsRepos);
  // file:// addons URLs are read on the servers: the fleet allows the sandbox's directory of bare repos.
  const dirs = [...new Set(Object.values(addonsRepos).map((u) => u.slice(0, u.lastIndexOf('/') + 1)))];
  if (dirs.length > 0) fleet.setIn(['policy', 'allowFileUrls'], dirs);
  const renames = useNetwork(fleet, network);
  await write('fleet.yaml', fleet);
  for (const c of plan.clients) {
    const doc = c.template.doc.clone();
    const from = c.template.name;
    doc.set('name', c.name);
    const facts = servers[c.name];
    if (!facts) throw new OdoopsError(`sandbox: no server for client ${c.name}`);
    if (!isMap(doc.get('server'))) doc.set('server', doc.createNode({}));
    doc.setIn(['server', 'host'], facts.host);
    doc.setIn(['server', 'port'], facts.port);
    doc.setIn(['server', 'user'], facts.user);
    doc.setIn(['server', 'hostKey'], facts.hostKey);
    // A cycled client (acme2) gets its own database names and domains where the example writes them.
    const instances = doc.get('instances');
    for (const inst of isMap(instances) ? instances.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key)) : []) {
      for (const key of ['database', 'domain']) {
        const value = doc.getIn(['instances', inst, key]);
        if (typeof value === 'string') doc.setIn(['instances', inst, key], renamed(value, from, c.name));
      }
    }
    const key = doc.getIn(['backups', 'encryptionKey']);
    if (typeof key === 'string') doc.setIn(['backups', 'encryptionKey'], renamed(key, from.toUpperCase(), c.name.toUpperCase()));
    rewriteAddons(doc, addonsRepos);
    renameDestinations(doc, ['backups', 'destinations'], renames);
    await write(path.join('clients', `${c.name}.yaml`), doc);
  }
  await git(repoDir, ['init', '-q', '-b', 'main']);
  await git(repoDir, ['add', '-A', '.']);
  await git(repoDir, ['commit', '-q', '-m', `Sandbox fleet: ${plan.clients.length} clients`], {
    ...GIT_ENV,
    GIT_AUTHOR_DATE: new Date().toISOString(),
    GIT_COMMITTER_DATE: new Date().toISOString(),
  });
}
