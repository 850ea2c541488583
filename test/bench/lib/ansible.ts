/**
 * What the drift benchmark hands to Ansible, generated (pure: text in, text out):
 *  - the inventory of the probe play: per host, the HostCommands odoops' drift runs there,
 *    argv and stdin tagged `!unsafe` so Ansible passes them verbatim (the probe program and
 *    its request hold `{{ ... }}`, which Jinja would otherwise evaluate);
 *  - the inventory of the usual play (per host, its instances and addons checkouts) and the
 *    server layout taken from odoops' host contract (operator/host/paths.ts);
 *  - ansible.cfg: forks, pinned host keys, the key, pipelining, every local file in one
 *    directory of the bench.
 * The playbooks themselves are test/bench/ansible/*.yml.
 */
import { Document, isPair, isScalar, visit, type Pair } from 'yaml';
import type { HostCommand } from '../../../operator/host/command.ts';
import { psqlModules } from '../../../operator/host/commands.ts';
import { INSTANCES_DIR, MARKERS_DIR, MODULES_DIR, PROVISION_DIR, STATE_FILE } from '../../../operator/host/paths.ts';

export interface AnsibleHost {
  /** Inventory name: the client. */
  name: string;
  address: string;
  port: number;
  user: string;
}

/** One command of the probe play, as the `command` module takes it. */
export interface CommandStep {
  label: string;
  argv: string[];
  stdin?: string;
  /** Seconds, from the HostCommand's own timeout. */
  timeout: number;
  /** A failure fails the host (the probe); other reads may fail as odoops allows (backup status absent: 127). */
  must_succeed: boolean;
}

export function commandStep(c: HostCommand, mustSucceed: boolean): CommandStep {
  // Reads never run under the lock's fence; a fenced command would need the guard script around it.
  if (c.fence !== undefined) throw new Error(`${c.label}: a fenced command has no place in a read-only play`);
  return { label: c.label, argv: [...c.argv], ...(c.stdin !== undefined ? { stdin: c.stdin } : {}), timeout: Math.max(1, Math.ceil(c.timeoutMs / 1000)), must_succeed: mustSucceed };
}

const hostVars = (h: AnsibleHost) => ({ ansible_host: h.address, ansible_port: h.port, ansible_user: h.user });

/** YAML inventory: group `odoo`, per host its address and `vars`; strings under `unsafeKey` tagged !unsafe. */
function inventory(hosts: { host: AnsibleHost; vars: Record<string, unknown> }[], groupVars: Record<string, unknown>, unsafeKey?: string): string {
  const doc = new Document({
    odoo: {
      hosts: Object.fromEntries(hosts.map(({ host, vars }) => [host.name, { ...hostVars(host), ...vars }])),
      vars: groupVars,
    },
  });
  if (unsafeKey) {
    visit(doc, {
      Scalar(key, node, path) {
        if (typeof node.value !== 'string' || key === 'key') return;
        // Under the value of a pair keyed `unsafeKey` (not that key itself).
        const at = path.findIndex((p) => isPair(p) && isScalar(p.key) && p.key.value === unsafeKey);
        if (at < 0) return;
        const pair = path[at] as Pair;
        if (at === path.length - 1 ? key === 'value' : path[at + 1] === pair.value) node.tag = '!unsafe';
      },
    });
  }
  return doc.toString({ lineWidth: 0 });
}

/** Inventory of the probe play: per host, `odoops_commands`, the steps in the order odoops runs them. */
export function probeInventory(hosts: { host: AnsibleHost; steps: CommandStep[] }[]): string {
  return inventory(hosts.map(({ host, steps }) => ({ host, vars: { odoops_commands: steps } })), {}, 'odoops_commands');
}

export interface UsualInstance {
  name: string;
  database: string;
  image: string;
  addons: { name: string; url: string; ref: string }[];
}

/** Inventory of the usual play: per host its instances; the layout (and the modules query) from odoops' host contract. */
export function usualInventory(hosts: { host: AnsibleHost; instances: UsualInstance[] }[]): string {
  return inventory(
    hosts.map(({ host, instances }) => ({
      host,
      vars: { odoo_instances: instances.map((i) => ({ ...i, modules_query: [...psqlModules(i.name, i.database).argv] })) },
    })),
    { odoo_root: INSTANCES_DIR, odoops_state_file: STATE_FILE, odoops_markers_dir: MARKERS_DIR, odoops_provision_dir: PROVISION_DIR, odoops_modules_dir: MODULES_DIR },
  );
}

export interface AnsibleCfg {
  inventory: string;
  forks: number;
  privateKeyPath: string;
  knownHostsPath: string;
  /** Local temp, remote temp and ControlPath directories: all inside the bench's temp dir. */
  localTemp: string;
  remoteTemp: string;
  controlPathDir: string;
  /** A fixed interpreter (no discovery round trip), or Ansible's default discovery. */
  interpreter: string | 'auto_silent';
  connectTimeoutS: number;
  /** Directory of the bench's stdout callback (test/bench/ansible/callback_plugins: bench_json). */
  callbackPlugins: string;
}

/**
 * ansible.cfg for one play. Host keys pinned as odoops pins them: only the sandbox's keys
 * are trusted (StrictHostKeyChecking=yes, our known_hosts only). ControlPersist as Ansible
 * sets it by default; pipelining on (fewer round trips: the favourable setting for Ansible).
 * The bench's JSON callback prints every result at the end, so the bench checks what was read.
 */
export function ansibleCfg(c: AnsibleCfg): string {
  return [
    '[defaults]',
    `inventory = ${c.inventory}`,
    `forks = ${c.forks}`,
    'host_key_checking = True',
    `private_key_file = ${c.privateKeyPath}`,
    `interpreter_python = ${c.interpreter}`,
    `local_tmp = ${c.localTemp}`,
    `remote_tmp = ${c.remoteTemp}`,
    `timeout = ${c.connectTimeoutS}`,
    `callback_plugins = ${c.callbackPlugins}`,
    'stdout_callback = bench_json',
    'retry_files_enabled = False',
    'nocows = True',
    '',
    '[ssh_connection]',
    'pipelining = True',
    `control_path_dir = ${c.controlPathDir}`,
    `ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${c.knownHostsPath} -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes`,
    '',
  ].join('\n');
}

/** The sandbox's known_hosts lines for these hosts only; throws when one has no key. */
export function knownHostsFor(lines: string, hosts: AnsibleHost[]): string {
  const byHost = new Map<string, string[]>();
  for (const line of lines.split('\n').filter((l) => l.trim() && !l.startsWith('#'))) {
    const [names = ''] = line.split(' ');
    for (const n of names.split(',')) byHost.set(n, [...(byHost.get(n) ?? []), line]);
  }
  return hosts
    .map((h) => {
      const key = h.port === 22 ? h.address : `[${h.address}]:${h.port}`;
      const found = byHost.get(key);
      if (!found) throw new Error(`no known_hosts line for ${h.name} (${key})`);
      return found.join('\n');
    })
    .join('\n') + '\n';
}
