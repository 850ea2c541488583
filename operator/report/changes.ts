/**
 * What an instance plan changes, worded once for people (pure): the differences grouped by
 * kind (addons, modules, odoo.conf, image), values in the units people read (2.5 GiB, 10 min),
 * and the steps apply takes as one numbered line. The actions' own wording
 * (describeAction) stays for apply results, where each step is a row with its outcome.
 */
import type { Action, Change } from '../plan/types.ts';
import { CORE_AFTER_PULL, upgradeReason } from '../plan/modules.ts';
import { describeProvisionAction } from '../provision/describe.ts';
import { fmtValue, plural, redactUrls } from './format.ts';

/** One line of the "what changes" part: + appears, - goes away, ~ changes in place. */
export interface ChangeLine {
  sign: '+' | '-' | '~';
  text: string;
}

const BYTES = new Set(['limit_memory_hard', 'limit_memory_soft', 'limit_memory_hard_gevent', 'limit_memory_soft_gevent']);
const SECONDS = new Set(['limit_time_cpu', 'limit_time_real', 'limit_time_real_cron']);

function trimNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, '').replace(/\.$/, '');
}

/** 2684354560 -> "2.5 GiB"; 1536 -> "1.5 KiB"; under 1 KiB: "512 B". */
export function fmtBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${trimNumber(v)} ${units[u]}`;
}

/** 600 -> "10 min", 90 -> "90 s", 7200 -> "2 h". */
export function fmtSeconds(n: number): string {
  if (n >= 3600 && n % 3600 === 0) return `${n / 3600} h`;
  if (n >= 60 && n % 60 === 0) return `${n / 60} min`;
  return `${n} s`;
}

/** An odoo.conf value as people read it: memory limits in bytes -> GiB, time limits -> min/s. */
export function fmtOption(key: string, value: unknown): string {
  if (typeof value === 'string' && /^\d+$/.test(value)) {
    const n = Number(value);
    if (BYTES.has(key)) return fmtBytes(n);
    if (SECONDS.has(key)) return fmtSeconds(n);
  }
  return fmtValue(value);
}

function list(names: string[]): string {
  return names.join(', ');
}

/** Module states as people say them. */
function stateWord(state: unknown): string {
  if (state === 'unknown') return 'not on the server yet';
  return typeof state === 'string' ? state : fmtValue(state);
}

/**
 * The differences of one instance, grouped: one line per addons checkout, one for the modules
 * to install (by their state now), one to uninstall, one to upgrade, one per odoo.conf group
 * (newly set / changed), one per other difference.
 */
export function changeLines(changes: Change[]): ChangeLine[] {
  const out: ChangeLine[] = [];
  const install = new Map<string, string[]>();
  const uninstall: string[] = [];
  const upgrade: string[] = [];
  const upgradeAfterCheckout: string[] = [];
  const optionsNew: string[] = [];
  const optionsChanged: string[] = [];
  for (const ch of changes) {
    const [area, name, field] = ch.path.split('.');
    if (area === 'modules' && name !== undefined && field === 'state') {
      if (ch.to === 'removed') uninstall.push(`${name} (${stateWord(ch.from)})`);
      else install.set(stateWord(ch.from), [...(install.get(stateWord(ch.from)) ?? []), name]);
    } else if (area === 'modules' && name !== undefined && field === 'version') {
      if (ch.from === null && ch.to === null) upgradeAfterCheckout.push(name);
      else upgrade.push(`${name} ${fmtValue(ch.from)} → ${fmtValue(ch.to)}`);
    } else if (area === 'options' && name !== undefined) {
      if (ch.from === null) optionsNew.push(`${name} ${fmtOption(name, ch.to)}`);
      else optionsChanged.push(`${name} ${fmtOption(name, ch.from)} → ${fmtOption(name, ch.to)}`);
    } else if (area === 'addons' && name !== undefined) {
      out.push({ sign: ch.from === null && field === 'commit' ? '+' : '~', text: `addons ${name}: ${redactUrls(ch.reason)}` });
    } else if (area === 'series') {
      out.push({ sign: '~', text: `Odoo series ${fmtValue(ch.from)} → ${fmtValue(ch.to)}` });
    } else if (area === 'instance') {
      // A missing instance: the blocked reason (not provisioned) already says it.
    } else if (area === 'image') {
      out.push({ sign: '~', text: `image ${fmtValue(ch.from)} → ${fmtValue(ch.to)}` });
    } else if (area === 'imagePresent') {
      out.push({ sign: '+', text: 'image not on the server: apply pulls it' });
    } else if (area === 'running') {
      out.push({ sign: '~', text: 'odoo is not running: apply starts it' });
    } else {
      out.push({ sign: '~', text: `${ch.path}: ${fmtValue(ch.from)} → ${fmtValue(ch.to)} (${redactUrls(ch.reason)})` });
    }
  }
  const installed = [...install.values()].flat().length;
  if (installed > 0) {
    const groups = [...install].map(([state, names]) => `${list(names.sort())} (${state})`);
    out.push({ sign: '+', text: `install ${plural(installed, 'module')}: ${groups.join('; ')}` });
  }
  if (uninstall.length > 0) out.push({ sign: '-', text: `uninstall ${plural(uninstall.length, 'module')}: ${list(uninstall.sort())}` });
  if (upgrade.length > 0) out.push({ sign: '~', text: `upgrade ${plural(upgrade.length, 'module')}: ${list(upgrade.sort())}` });
  if (upgradeAfterCheckout.length > 0) {
    out.push({ sign: '~', text: `upgrade ${plural(upgradeAfterCheckout.length, 'module')} after the addons checkout: ${list(upgradeAfterCheckout.sort())}` });
  }
  if (optionsNew.length > 0) out.push({ sign: '+', text: `odoo.conf sets ${list(optionsNew)}` });
  if (optionsChanged.length > 0) out.push({ sign: '~', text: `odoo.conf: ${list(optionsChanged)}` });
  return out;
}

/** A step as a few words: what apply does, not what changes (that is said once, above). */
export function stepName(a: Action): string {
  switch (a.kind) {
    case 'snapshot':
      return a.database ? 'snapshot (stops odoo, dumps the database)' : 'snapshot (files)';
    case 'pull-image':
      return 'pull image';
    case 'checkout-addons':
      return `check out ${a.repo.name}`;
    case 'write-config':
      return 'write odoo.conf';
    case 'fetch-addons':
      return `fetch ${a.repo.name} (old code still serves)`;
    case 'stop':
      return 'stop odoo';
    case 'switch-image':
      return 'switch image';
    case 'start':
      return 'start odoo';
    case 'install-modules':
      return `install ${plural(a.modules.length, 'module')}`;
    case 'upgrade-modules': {
      // Why each is upgraded (issue 11: only what changed), and the core modules decided after the pull.
      const why = new Map((a.why ?? []).map((u) => [u.module, upgradeReason(u)]));
      const listed = a.modules.map((m) => (why.has(m) ? `${m} (${why.get(m)})` : m));
      if (a.coreAfterPull) listed.push(CORE_AFTER_PULL);
      return `upgrade ${listed.join(', ')}`;
    }
    case 'uninstall-modules':
      return `uninstall ${plural(a.modules.length, 'module')}`;
    case 'health-check':
      return 'health check';
    case 'record-revision':
      return 'record revision';
    default:
      return describeProvisionAction(a);
  }
}

/** "snapshot (...) → write odoo.conf → restart odoo → ...": the order apply runs them in. */
export function stepsText(actions: Action[]): string {
  return actions.map(stepName).join(' → ');
}

/** Splits text into lines of at most `width` characters after ", ", "; " or " → " (never inside a word). */
export function wrap(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const parts = text.split(/(?<=, |; | → )/);
  const lines: string[] = [];
  let cur = '';
  for (const p of parts) {
    if (cur && (cur + p).trimEnd().length > width) {
      lines.push(cur.trimEnd());
      cur = '';
    }
    cur += p;
  }
  if (cur) lines.push(cur.trimEnd());
  return lines;
}
