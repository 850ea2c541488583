/**
 * Network sources of the desired state (monitoring.servers, ipAllowList): which are IPv4 or
 * IPv6 addresses / CIDR ranges, and which are host names. Firewall rules and proxy
 * allow-lists need addresses; NRPE's allowed_hosts also takes names.
 */
import { RenderError } from './types.ts';

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;
const V6 = /^([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?:\/(\d{1,3}))?$/;

export function isIpv4(source: string): boolean {
  const m = V4.exec(source);
  if (!m) return false;
  const octetsOk = m.slice(1, 5).every((o) => Number(o) <= 255);
  return octetsOk && (m[5] === undefined || Number(m[5]) <= 32);
}

export function isIpv6(source: string): boolean {
  const m = V6.exec(source);
  if (!m) return false;
  const groups = m[1]!.split(':');
  const compressed = m[1]!.includes('::');
  if (!compressed && groups.length !== 8) return false;
  if ((m[1]!.match(/::/g) ?? []).length > 1) return false;
  return m[2] === undefined || Number(m[2]) <= 128;
}

export interface SourcesByFamily {
  v4: string[];
  v6: string[];
}

/**
 * Addresses by family, for rules that cannot use names. A host name is an error naming the
 * setting, since resolving it at rule-load time would make the firewall depend on DNS.
 */
export function addressesOnly(sources: readonly string[], where: string, hint = ''): SourcesByFamily {
  const out: SourcesByFamily = { v4: [], v6: [] };
  for (const s of sources) {
    if (isIpv4(s)) out.v4.push(s);
    else if (isIpv6(s)) out.v6.push(s.toLowerCase());
    else throw new RenderError('invalid-value', `${where}: "${s}" is not an IP address or CIDR range${hint ? ` (${hint})` : ''}`);
  }
  out.v4 = [...new Set(out.v4)];
  out.v6 = [...new Set(out.v6)];
  return out;
}
