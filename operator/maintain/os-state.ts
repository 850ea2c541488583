/** Reading a server's OS state: one read-only host command, parsed by parse.ts. */
import type { ClientSpec } from '../desired/types.ts';
import { composeFile } from '../host/paths.ts';
import { osState } from '../host/maintenance.ts';
import type { HostSession } from '../live/ssh.ts';
import { OdoopsError } from '../util/errors.ts';
import { parseOsState } from './parse.ts';
import type { OsState } from './types.ts';

export async function readOsState(session: HostSession, spec: ClientSpec): Promise<OsState> {
  const files = new Map(spec.instances.map((i) => [composeFile(i.name), i.name]));
  const res = await session.exec(osState([...files.keys()]));
  if (res.code !== 0) {
    const why = res.failure ?? `exit ${res.code}`;
    throw new OdoopsError(`${session.label}: reading the OS state failed (${why}): ${(res.stderr || res.stdout).trim().split('\n').slice(-2).join(' | ')}`);
  }
  return parseOsState(res.stdout, files);
}
