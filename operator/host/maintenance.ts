/**
 * The host contract of OS maintenance (`odoops maintain`, `odoops status`): reading the OS
 * state (one read-only call), holding Odoo's packages, apt, unattended-upgrade, the reboot,
 * and the recent runs from the journal. Same rules as commands.ts: values only as argv
 * elements or positional parameters of constant scripts, content on stdin.
 */
import type { HostCommand } from './command.ts';
import { JOURNAL_FILE, MAINTENANCE_HOLDS_FILE } from './paths.ts';
import { APT_HOLD_DURING_SCRIPT, APT_HOLD_SCRIPT, OS_STATE_SCRIPT, UNATTENDED_UPGRADE_SCRIPT } from './scripts.ts';

const s = 1000;
const min = 60 * s;

/** How long each OS maintenance command may run (the host contract's other timeouts are in command.ts). */
export const MAINTENANCE_TIMEOUTS = {
  /** The read-only OS state: apt's simulation reads every list. */
  osState: 2 * min,
  /** apt-get update from the server's sources. */
  aptUpdate: 10 * min,
  /** apt-get upgrade or unattended-upgrade: downloads and unpacks everything pending. */
  upgrade: 60 * min,
  /** `systemctl reboot` returns at once; the connection drops after it. */
  reboot: 30 * s,
  /** The last lines of the journal. */
  journal: 30 * s,
} as const;

/** apt and dpkg never ask: configuration files the admin changed are kept (confold), new defaults taken otherwise. */
const NONINTERACTIVE = ['env', 'DEBIAN_FRONTEND=noninteractive', 'NEEDRESTART_MODE=l', 'LC_ALL=C'];
const DPKG_KEEP_CONFIG = ['-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];

/** Read-only: OS release, held packages, reboot required, pending updates, which compose files exist. */
export const osState = (composeFiles: string[]): HostCommand => ({
  argv: ['sh', '-c', OS_STATE_SCRIPT, 'sh', ...composeFiles],
  label: 'OS state',
  timeoutMs: MAINTENANCE_TIMEOUTS.osState,
  maxOutputBytes: 4 * 1024 * 1024,
});

/** `apt-mark hold` for each package that is installed. */
export const aptHold = (packages: string[]): HostCommand => ({
  argv: ['sh', '-c', APT_HOLD_SCRIPT, 'sh', ...packages],
  label: `apt-mark hold ${packages.join(' ')}`,
  timeoutMs: MAINTENANCE_TIMEOUTS.osState,
});

/**
 * `apt-mark hold` of the installed `packages` not held yet, for the update only: recorded in
 * MAINTENANCE_HOLDS_FILE first, released by aptReleaseHolds(). Holds the admin set are kept.
 */
export const aptHoldDuring = (packages: string[]): HostCommand => ({
  argv: ['sh', '-c', APT_HOLD_DURING_SCRIPT, 'sh', 'hold', MAINTENANCE_HOLDS_FILE, ...packages],
  label: `apt-mark hold (for the update) ${packages.join(' ')}`,
  timeoutMs: MAINTENANCE_TIMEOUTS.osState,
});

/** `apt-mark unhold` of what aptHoldDuring() held (also what a run that died left held). */
export const aptReleaseHolds = (): HostCommand => ({
  argv: ['sh', '-c', APT_HOLD_DURING_SCRIPT, 'sh', 'release', MAINTENANCE_HOLDS_FILE],
  label: 'apt-mark unhold (after the update)',
  timeoutMs: MAINTENANCE_TIMEOUTS.osState,
});

export const aptUpdate = (): HostCommand => ({
  argv: [...NONINTERACTIVE, 'apt-get', 'update', '-q'],
  label: 'apt-get update',
  timeoutMs: MAINTENANCE_TIMEOUTS.aptUpdate,
});

/**
 * Every pending update within the release (the sources are not touched, so no release
 * upgrade): `upgrade --with-new-pkgs` installs new dependencies but never removes a package;
 * held packages stay.
 */
export const aptUpgrade = (): HostCommand => ({
  argv: [...NONINTERACTIVE, 'apt-get', '-y', '-q', ...DPKG_KEEP_CONFIG, 'upgrade', '--with-new-pkgs'],
  label: 'apt-get upgrade',
  timeoutMs: MAINTENANCE_TIMEOUTS.upgrade,
});

/** Security updates only: unattended-upgrade with odoops' configuration (`config`, written to `configPath` when different). */
export const unattendedUpgrade = (configPath: string, config: string): HostCommand => ({
  argv: [...NONINTERACTIVE, 'sh', '-c', UNATTENDED_UPGRADE_SCRIPT, 'sh', configPath],
  label: 'unattended-upgrade',
  timeoutMs: MAINTENANCE_TIMEOUTS.upgrade,
  stdin: config,
});

/**
 * The reboot (systemd, as on Ubuntu LTS). The sandbox's servers share the machine's
 * processes, so there a stand-in implements it (operator/sandbox/standins/rootfs/systemctl).
 */
export const reboot = (): HostCommand => ({
  argv: ['systemctl', 'reboot'],
  label: 'reboot',
  timeoutMs: MAINTENANCE_TIMEOUTS.reboot,
});

/** Whether the connection still runs commands (after a reboot was asked: until the server goes down). */
export const connectionCheck = (): HostCommand => ({
  argv: ['true'],
  label: 'connection check',
  timeoutMs: MAINTENANCE_TIMEOUTS.reboot,
});

/** The journal's last lines (recent runs for `odoops status`); read-only, empty when there is none. */
export const journalTail = (lines: number): HostCommand => ({
  argv: ['tail', '-n', String(lines), JOURNAL_FILE],
  label: 'journal (recent runs)',
  timeoutMs: MAINTENANCE_TIMEOUTS.journal,
  maxOutputBytes: 4 * 1024 * 1024,
});
