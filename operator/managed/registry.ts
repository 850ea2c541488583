/**
 * Which rendered files odoops keeps on a client server, and how each is taken into use.
 * One entry per unit: add an entry here to have a new concern's files probed, planned,
 * written (validated, activated, reverted on failure) and drift-checked like the others.
 */
import { parse } from 'yaml';
import type { ClientSpec, FleetSpec } from '../desired/types.ts';
import { nftLoad, serviceReload, serviceRestart, type ManagedStep } from '../host/managed.ts';
import { rendering } from '../render/digest.ts';
import { FAIL2BAN_VALIDATE, fail2banJail } from '../render/fail2ban.ts';
import { NFTABLES_FILE, NFT_TABLE, nftablesRuleset, nftablesValidate } from '../render/nftables.ts';
import { renderNrpe } from '../render/nrpe.ts';
import { renderRsyslog } from '../render/rsyslog.ts';
import { SSHD_VALIDATE, sshdDropIn } from '../render/sshd.ts';
import { TRAEFIK_DEFAULTS, renderTraefik } from '../render/traefik.ts';
import { traefikSchemaErrors } from '../render/traefik-schema.ts';
import { RenderError, type Rendering, type ResolvedSecrets } from '../render/types.ts';
import { APT_VALIDATE, unattendedUpgradesFiles } from '../render/unattended-upgrades.ts';
import { backupSecretRefs, renderBackup } from '../render/backup.ts';
import { BACKUP_PROGRAM_PY } from '../host/scripts.ts';
import type { Reason } from '../plan/types.ts';
import type { ManagedGuard, ManagedRendering } from './types.ts';

export interface ManagedInput {
  client: ClientSpec;
  fleet: FleetSpec;
  /** Resolved values of the references `secrets` listed (operator side). */
  secrets: ResolvedSecrets;
}

export interface ManagedEntry {
  unit: string;
  /** Secret references the unit needs, resolved by the caller before `render`. */
  secrets?: (input: Omit<ManagedInput, 'secrets'>) => { ref: string; where: string }[];
  /** The files; null when the unit does not concern this server (e.g. no log host configured). */
  render: (input: ManagedInput) => Rendering | null;
  activate: (r: Rendering) => ManagedStep[];
  /** Apply fixes its drift; otherwise drift is only reported. */
  safe: boolean;
  guard: ManagedGuard;
}

/** A renderer saying a setting is absent means the unit does not apply here. */
function unlessMissing(fn: () => Rendering): Rendering | null {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RenderError && err.code === 'missing-setting') return null;
    throw err;
  }
}

const TRAEFIK_DYNAMIC = `${TRAEFIK_DEFAULTS.dynamicDir}/odoops.yml`;

export const MANAGED_ENTRIES: ManagedEntry[] = [
  {
    // Guarded: a drop-in sshd accepts with -t may still refuse odoops' key at the next login.
    unit: 'baseline/sshd',
    render: ({ client }) => rendering(`sshd ${client.name}`, [sshdDropIn(client)], [SSHD_VALIDATE]),
    activate: () => [serviceReload('ssh')],
    safe: true,
    guard: 'ssh',
  },
  {
    unit: 'baseline/nftables',
    render: ({ client }) => rendering(`nftables ${client.name}`, [nftablesRuleset(client)], [nftablesValidate()]),
    activate: () => [nftLoad(NFTABLES_FILE, 'inet', NFT_TABLE)],
    safe: true,
    guard: 'ssh',
  },
  {
    // Guarded: a ban of the operator's own address would lock it out as surely as a firewall.
    unit: 'baseline/fail2ban',
    render: ({ client }) => rendering(`fail2ban ${client.name}`, [fail2banJail(client)], [FAIL2BAN_VALIDATE]),
    activate: () => [serviceReload('fail2ban')],
    safe: true,
    guard: 'ssh',
  },
  {
    // Read by apt's daily timer: nothing to reload.
    unit: 'baseline/unattended-upgrades',
    render: ({ client }) => rendering(`unattended-upgrades ${client.name}`, unattendedUpgradesFiles(client), [APT_VALIDATE]),
    activate: () => [],
    safe: true,
    guard: 'none',
  },
  {
    unit: 'nrpe',
    render: ({ client }) => unlessMissing(() => renderNrpe(client)),
    activate: () => [serviceReload('nagios-nrpe-server')],
    safe: true,
    guard: 'none',
  },
  {
    unit: 'traefik',
    secrets: ({ client }) => Object.entries(client.proxy.protect).flatMap(([i, p]) => (p.basicAuth ? [{ ref: p.basicAuth.usersSecret, where: `${client.file} proxy.protect.${i}.basicAuth.usersSecret` }] : [])),
    render: ({ client, secrets }) => {
      const r = renderTraefik(client, secrets);
      // No Traefik binary to validate with on the server: the schema check is done here.
      const dynamic = r.files.find((f) => f.path === TRAEFIK_DYNAMIC);
      const errors = dynamic ? traefikSchemaErrors(parse(dynamic.content)) : [];
      if (errors.length > 0) throw new RenderError('invalid-value', `the Traefik configuration of ${client.name} does not match Traefik's schema: ${errors.join('; ')}`);
      return r;
    },
    // The file provider watches its directory (static configuration `watch: true`).
    activate: () => [],
    safe: true,
    guard: 'none',
  },
  {
    unit: 'rsyslog',
    secrets: ({ fleet }) => (fleet.logHost ? [{ ref: fleet.logHost.caCert, where: 'fleet.yaml logHost.caCert' }] : []),
    render: ({ client, fleet, secrets }) => (fleet.logHost ? renderRsyslog(fleet, client, secrets) : null),
    // rsyslogd reads its configuration only when it starts.
    activate: () => [serviceRestart('rsyslog')],
    safe: true,
    guard: 'none',
  },
  {
    // Daily off-site backups (operator/backup/): cron reads /etc/cron.d by itself, the program
    // reads its configuration at each run: nothing to reload.
    unit: 'backup',
    secrets: ({ client }) => backupSecretRefs(client),
    render: ({ client, secrets }) => (client.backups ? renderBackup(client, secrets, BACKUP_PROGRAM_PY) : null),
    activate: () => [],
    safe: true,
    guard: 'none',
  },
];

export interface ManagedSet {
  renderings: ManagedRendering[];
  /** Units whose renderer refused the desired state (or whose secret is missing). */
  refused: { unit: string; reason: Reason }[];
}

/** The secret references every unit of this server needs. */
export function managedSecretRefs(client: ClientSpec, fleet: FleetSpec, entries = MANAGED_ENTRIES): { unit: string; ref: string; where: string }[] {
  return entries.flatMap((e) => (e.secrets?.({ client, fleet }) ?? []).map((s) => ({ unit: e.unit, ...s })));
}

/**
 * The managed renderings of one client server (pure). `unresolved` lists units whose secrets
 * could not be resolved: they are refused with that message instead of rendered.
 */
export function managedRenderings(
  client: ClientSpec,
  fleet: FleetSpec,
  secrets: ResolvedSecrets = new Map(),
  opts: { entries?: ManagedEntry[]; unresolved?: { unit: string; message: string }[] } = {},
): ManagedSet {
  const out: ManagedSet = { renderings: [], refused: [] };
  for (const e of opts.entries ?? MANAGED_ENTRIES) {
    const missing = (opts.unresolved ?? []).filter((u) => u.unit === e.unit);
    if (missing.length > 0) {
      out.refused.push({ unit: e.unit, reason: { code: 'secret-unresolved', message: missing.map((m) => m.message).join('; ') } });
      continue;
    }
    try {
      const r = e.render({ client, fleet, secrets });
      if (r) out.renderings.push({ ...r, unit: e.unit, activate: e.activate(r), safe: e.safe, guard: e.guard });
    } catch (err) {
      if (!(err instanceof RenderError)) throw err;
      out.refused.push({ unit: e.unit, reason: { code: err.code === 'missing-secret' ? 'secret-unresolved' : 'internal', message: `${e.unit}: ${err.message}` } });
    }
  }
  return out;
}
