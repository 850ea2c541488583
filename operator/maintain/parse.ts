/**
 * Pure: the OS state script's protocol lines (operator/host/scripts/os-state.sh) as an
 * OsState. A pending update is a security update when one of its apt release strings names
 * a security archive ("Debian-Security:12/stable-security", "Ubuntu:22.04/jammy-security").
 */
import type { OsState, PendingUpdate } from './types.ts';

/** apt-get -s: "Inst NAME [OLD] (NEW RELEASE[, RELEASE...] [ARCH])", the [OLD] part absent for new packages. */
const INST = /^Inst (\S+)(?: \[([^\]]*)\])? \((\S+)((?: [^[\]]+?)?)(?: \[[^\]]*\])?\)/;

export function isSecurityOrigin(origin: string): boolean {
  return /(^|[-/:])security\b/i.test(origin) || /-security$/i.test(origin);
}

export function parsePending(line: string): PendingUpdate | null {
  const m = INST.exec(line);
  if (!m) return null;
  const origins = (m[4] ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  return { name: m[1]!, from: m[2] ?? null, to: m[3]!, origins, security: origins.some(isSecurityOrigin) };
}

/** `composeFiles` maps each compose file the script was asked about to its instance. */
export function parseOsState(stdout: string, composeFiles: Map<string, string>): OsState {
  const state: OsState = {
    release: null,
    pending: { security: [], other: [] },
    held: [],
    keptBack: [],
    rebootRequired: false,
    rebootPackages: [],
    listsUpdatedAt: null,
    deployed: [],
    errors: [],
  };
  for (const line of stdout.split('\n')) {
    const [tag, ...rest] = line.split('\t');
    const value = rest.join('\t');
    switch (tag) {
      case 'RELEASE': {
        const [id = '', versionId = '', codename = '', pretty = ''] = rest;
        state.release = { id, versionId, codename, pretty };
        break;
      }
      case 'HELD':
        state.held.push(value);
        break;
      case 'KEPT':
        state.keptBack.push(value);
        break;
      case 'REBOOT':
        state.rebootRequired = true;
        break;
      case 'REBOOTPKG':
        state.rebootPackages.push(value);
        break;
      case 'LISTS': {
        const epoch = Number(value);
        if (Number.isFinite(epoch) && epoch > 0) state.listsUpdatedAt = new Date(epoch * 1000).toISOString();
        break;
      }
      case 'PENDING': {
        const p = parsePending(value);
        if (p) (p.security ? state.pending.security : state.pending.other).push(p);
        else state.errors.push(`unreadable apt line: ${value}`);
        break;
      }
      case 'DEPLOYED': {
        const instance = composeFiles.get(value);
        if (instance) state.deployed.push(instance);
        break;
      }
      case 'ERROR':
        state.errors.push(value);
        break;
      default:
        break;
    }
  }
  return state;
}

/** "ubuntu-22.04" as the client file's server.os says it. */
export function releaseName(state: Pick<OsState, 'release'>): string | null {
  return state.release ? `${state.release.id}-${state.release.versionId}` : null;
}
