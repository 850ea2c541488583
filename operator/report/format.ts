/** Shared wording for renderings (pure): how actions, values and durations read for humans. */
import pc from 'picocolors';
import type { Action } from '../plan/types.ts';
import { CORE_AFTER_PULL, upgradeReason } from '../plan/modules.ts';
import { describeProvisionAction, provisionHeadline } from '../provision/describe.ts';
import { isProvisionAction } from '../provision/types.ts';

export type Colors = ReturnType<typeof pc.createColors>;

/** picocolors functions, or identity functions when color is off (pipes, CI logs, tests). */
export function colors(enabled: boolean): Colors {
  return pc.createColors(enabled);
}

const SHA = /^[0-9a-f]{40}$/;

/**
 * Any "scheme://user:password@host" in text with its userinfo masked. The desired state
 * refuses credentials in URLs; this keeps an old server-side origin from showing one.
 */
export function redactUrls(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]*@/gi, (_, scheme: string) => `${scheme}***@`);
}

/** A value as a short string: null -> "(none)", commit SHAs shortened to 10 characters, secrets never shown. */
export function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  if (typeof v === 'string') return SHA.test(v) ? v.slice(0, 10) : redactUrls(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object' && typeof (v as { secret?: unknown }).secret === 'string') return '(secret)';
  return redactUrls(JSON.stringify(v));
}

/** "350ms", "4.2s", "2m03s". */
export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** +: something appears, -: something goes away, ~: something is changed or done in place. */
export function actionSign(a: Action): '+' | '-' | '~' {
  switch (a.kind) {
    case 'install-modules':
      return '+';
    case 'uninstall-modules':
      return '-';
    case 'checkout-addons':
      return a.fromCommit === null ? '+' : '~';
    default:
      return isProvisionAction(a) ? '+' : '~';
  }
}

/** One line describing what an action does, e.g. "install contacts, sale_management". */
export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'snapshot':
      return a.database ? 'pre-change snapshot: stop odoo, dump database, filestore, files' : 'pre-change snapshot: files and addons commits';
    case 'pull-image':
      return `pull image ${a.image}`;
    case 'fetch-addons':
      return `fetch addons ${a.repo.name} ${a.repo.ref} (${fmtValue(a.toCommit)}) while the old code serves`;
    case 'stop':
      return 'stop odoo (downtime starts)';
    case 'checkout-addons':
      return `checkout addons ${a.repo.name} at ${a.repo.ref} (${fmtValue(a.fromCommit)} -> ${fmtValue(a.toCommit)})${a.repo.credentials ? ' with its credentials' : ''}`;
    case 'write-config':
      return `write odoo.conf: ${Object.keys(a.set)
        .sort()
        .map((k) => `${k} ${fmtValue(a.previous[k] ?? null)} -> ${fmtValue(a.set[k])}`)
        .join(', ')}`;
    case 'switch-image':
      return `switch image ${fmtValue(a.from)} -> ${a.to}`;
    case 'start':
      return 'start odoo';
    case 'install-modules':
      return `install ${a.modules.join(', ')}`;
    case 'upgrade-modules': {
      const why = new Map((a.why ?? []).map((u) => [u.module, upgradeReason(u)]));
      const listed = a.modules.map((m) => (why.has(m) ? `${m} (${why.get(m)})` : m));
      if (a.coreAfterPull) listed.push(CORE_AFTER_PULL);
      return `upgrade ${listed.join(', ')}`;
    }
    case 'uninstall-modules':
      return `uninstall ${a.modules.join(', ')}`;
    case 'health-check':
      return 'health check (login page of the database, startup log, image and modules read back)';
    case 'record-revision':
      return `record revision ${fmtValue(a.revision)}`;
    default:
      return describeProvisionAction(a);
  }
}

const ROUTINE: ReadonlySet<Action['kind']> = new Set(['snapshot', 'health-check', 'record-revision', 'start', 'stop', 'fetch-addons']);

/** The headline of an instance plan: its significant actions, e.g. "install crm; write odoo.conf: ...". */
export function headline(actions: Action[]): string {
  if (actions.some(isProvisionAction)) return provisionHeadline(actions);
  const main = actions.filter((a) => !ROUTINE.has(a.kind));
  const shown = main.length > 0 ? main : actions.filter((a) => a.kind === 'start');
  return shown.map((a) => (a.kind === 'write-config' ? 'write odoo.conf' : a.kind === 'switch-image' ? `switch image to ${a.to}` : describeAction(a))).join('; ');
}

/** Escapes text for Markdown tables and HTML-ish contexts (summary lines, cells). */
export function mdEscape(s: string): string {
  // ">" stays: harmless in Markdown and "16.0 -> 17.0" must read well in the raw comment too.
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Text inside a fenced block must not close the fence. */
export function fenceSafe(s: string): string {
  return s.replace(/```/g, "'''");
}
