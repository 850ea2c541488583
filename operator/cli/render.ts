/**
 * odoops render KIND [CLIENT] [--out DIR] [--repo] [--rev] [--json]: the files odoops keeps
 * on servers, rendered from the desired state — nagios (the monitoring servers, whole
 * fleet), nrpe, traefik, baseline, rsyslog, filebeat (per client; every client when CLIENT
 * is omitted). Secret references are resolved here, on the operator side; files carrying a
 * resolved secret are written with --out but never printed.
 */
import { Argument, type Command } from 'commander';
import { unknownClientMessage } from '../desired/unknown-client.ts';
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { loadDesiredState } from '../desired/load.ts';
import type { ClientSpec, DesiredState } from '../desired/types.ts';
import { renderBaseline } from '../render/baseline.ts';
import { renderFilebeat } from '../render/filebeat.ts';
import { renderNagios } from '../render/nagios.ts';
import { renderNrpe } from '../render/nrpe.ts';
import { renderRsyslog } from '../render/rsyslog.ts';
import { TRAEFIK_DEFAULTS, renderTraefik } from '../render/traefik.ts';
import { traefikSchemaErrors } from '../render/traefik-schema.ts';
import type { Rendering, ResolvedSecrets } from '../render/types.ts';
import { redact, resolveSecret } from '../secrets/index.ts';
import { OdoopsError, errorMessage } from '../util/errors.ts';

const KINDS = ['nagios', 'nrpe', 'traefik', 'baseline', 'rsyslog', 'filebeat'] as const;
type Kind = (typeof KINDS)[number];

interface Options {
  repo?: string;
  rev?: string;
  out?: string;
  json?: boolean;
}

/** The secret references a kind needs for a client (resolved before rendering). */
function neededSecrets(kind: Kind, state: DesiredState, client: ClientSpec): { ref: string; where: string }[] {
  if (kind === 'traefik') {
    return Object.entries(client.proxy.protect).flatMap(([i, p]) => (p.basicAuth ? [{ ref: p.basicAuth.usersSecret, where: `${client.file} proxy.protect.${i}.basicAuth.usersSecret` }] : []));
  }
  if ((kind === 'rsyslog' || kind === 'filebeat') && state.fleet.logHost) return [{ ref: state.fleet.logHost.caCert, where: 'fleet.yaml logHost.caCert' }];
  return [];
}

function renderClient(kind: Exclude<Kind, 'nagios'>, state: DesiredState, client: ClientSpec, secrets: ResolvedSecrets): Rendering {
  switch (kind) {
    case 'nrpe':
      return renderNrpe(client);
    case 'traefik': {
      const r = renderTraefik(client, secrets);
      // No Traefik binary to ask: the file as written is checked against Traefik's
      // published schema; an output it refuses is our bug.
      const dynamic = r.files.find((f) => f.path === `${TRAEFIK_DEFAULTS.dynamicDir}/odoops.yml`)!;
      const errors = traefikSchemaErrors(parse(dynamic.content));
      if (errors.length > 0) throw new OdoopsError(`internal error: the Traefik configuration of ${client.name} does not match Traefik's schema: ${errors.join('; ')}`);
      return r;
    }
    case 'baseline':
      return renderBaseline(client);
    case 'rsyslog':
      return renderRsyslog(state.fleet, client, secrets);
    case 'filebeat':
      return renderFilebeat(state.fleet, client, secrets);
  }
}

function pickClients(state: DesiredState, name: string | undefined): ClientSpec[] {
  if (name === undefined) return state.clients;
  const c = state.clients.find((x) => x.name === name);
  if (!c) {
    throw new OdoopsError(unknownClientMessage([name], state.clients.map((x) => x.name), state.revision.slice(0, 12)));
  }
  return [c];
}

/** Writes each file under DIR (its server path re-rooted there; one sub-folder per client when several). */
async function writeOut(dir: string, renderings: { client?: string; r: Rendering }[]): Promise<string[]> {
  const lines: string[] = [];
  for (const { client, r } of renderings) {
    const root = client && renderings.length > 1 ? path.join(dir, client) : dir;
    for (const f of r.files) {
      const dest = path.join(root, f.path);
      await mkdir(path.dirname(dest), { recursive: true });
      await writeFile(dest, f.content, { mode: f.secret ? 0o600 : f.mode });
      await chmod(dest, f.secret ? Math.min(f.mode, 0o600) : f.mode);
    }
    lines.push(`${r.target}: ${r.files.length} file${r.files.length === 1 ? '' : 's'} in ${root} (${r.digest})`);
  }
  return lines;
}

function printable(r: Rendering): string {
  const out: string[] = [];
  for (const f of r.files) {
    const owner = f.owner ? `, owner ${f.owner}` : '';
    out.push(`# ==> ${f.path} (mode ${f.mode.toString(8).padStart(4, '0')}${owner}) <==`);
    out.push(f.secret ? '# holds a resolved secret: not printed (written with --out)\n' : f.content);
  }
  if (r.validate.length > 0) out.push(`# validated on the server with: ${r.validate.map((v) => v.argv.join(' ')).join('; ')}`);
  out.push(`# ${r.target}: ${r.digest}\n`);
  return out.join('\n');
}

/** Machine output; secret contents never, other contents unless written to --out. */
function asJson(r: Rendering, client: string | undefined, withContent: boolean) {
  return {
    ...(client ? { client } : {}),
    target: r.target,
    digest: r.digest,
    files: r.files.map((f) => ({
      path: f.path,
      mode: f.mode.toString(8).padStart(4, '0'),
      ...(f.owner ? { owner: f.owner } : {}),
      secret: Boolean(f.secret),
      ...(withContent && !f.secret ? { content: f.content } : {}),
    })),
    validate: r.validate,
  };
}

export function register(program: Command): void {
  program
    .command('render')
    .description('render the files odoops keeps on servers (monitoring, proxy, security baseline, log shipping)')
    .addArgument(new Argument('<kind>', KINDS.join('|')).choices(KINDS as unknown as string[]))
    .argument('[client]', 'client name (default: every client; nagios: limit the fleet to this client)')
    .option('--out <dir>', 'write the files under DIR (their server paths re-rooted there) instead of printing them')
    .option('--repo <path|url>', 'config repo: local path or git URL (default: current directory)')
    .option('--rev <rev>', 'branch, tag or commit to read (default: HEAD)')
    .option('--json', 'print JSON (files, modes, digests, validation commands); secret contents are left out')
    .action(async (kind: Kind, name: string | undefined, opts: Options) => {
      const state = await loadDesiredState({ repo: opts.repo, rev: opts.rev });
      const clients = pickClients(state, name);
      const resolved: string[] = [];
      const renderings: { client?: string; r: Rendering }[] = [];
      try {
        if (kind === 'nagios') {
          renderings.push({ r: renderNagios(state.fleet, clients) });
        } else {
          for (const c of clients) {
            const secrets = new Map<string, string>();
            for (const { ref, where } of neededSecrets(kind, state, c)) {
              const value = resolveSecret(ref, { where });
              resolved.push(value);
              secrets.set(ref, value);
            }
            renderings.push({ client: c.name, r: renderClient(kind, state, c, secrets) });
          }
        }
      } catch (err) {
        if (err instanceof OdoopsError) throw new OdoopsError(redact(err.message, resolved));
        throw new OdoopsError(`internal error while rendering ${kind}: ${redact(errorMessage(err), resolved)}`);
      }
      if (opts.out) {
        const lines = await writeOut(opts.out, renderings);
        process.stdout.write(opts.json ? `${JSON.stringify(renderings.map((x) => asJson(x.r, x.client, false)), null, 2)}\n` : `${lines.join('\n')}\n`);
        return;
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(renderings.map((x) => asJson(x.r, x.client, true)), null, 2)}\n`);
      else process.stdout.write(renderings.map((x) => printable(x.r)).join('\n'));
    });
}
