/**
 * Pure: the status page `odoops serve` serves. Server-rendered HTML with inline CSS (no build
 * step, no script needed), readable on a phone (a viewport, tables that become cards on
 * narrow screens), refreshing itself (meta refresh). Every value from the config repo or a
 * server is escaped: a client file or a package name must never become markup.
 */
import { agoText, backupDetail, backupsText, lastApplyText, monitoringDetail, monitoringText, rebootText, updatesText, windowText } from './format.ts';
import type { ClientStatus, FleetStatus, InstanceStatus } from './types.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

/** Tagged template: every interpolated value is escaped unless it is already Html. */
class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}
function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += Array.isArray(v) ? v.map((x) => (x instanceof Html ? x.text : escapeHtml(x))).join('') : v instanceof Html ? v.text : escapeHtml(v);
    out += strings[i + 1]!;
  });
  return new Html(out);
}

const CSS = `
:root{color-scheme:light dark;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--muted:#6e7781;--line:#d0d7de}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:12px}
h1{font-size:1.3em;margin:0 0 4px}h2{font-size:1.1em;margin:18px 0 6px}
.meta{color:var(--muted);font-size:.9em;margin-bottom:12px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.85em;color:var(--muted);font-weight:600}
.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad);font-weight:600}.muted{color:var(--muted)}
a{color:inherit}code{font-size:.9em;word-break:break-all}
@media (max-width:700px){
  table.rows thead{display:none}
  table.rows tr{display:block;border:1px solid var(--line);border-radius:8px;margin:0 0 10px;padding:4px 8px}
  table.rows td{display:flex;gap:8px;border:0;padding:3px 0}
  table.rows td[data-label]::before{content:attr(data-label);flex:0 0 38%;color:var(--muted);font-size:.85em}
  table.rows th[scope=row]{display:block;border:0;padding:3px 0;color:inherit;font-size:1em}
}`;

function page(title: string, refreshSeconds: number, body: Html): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${Math.max(5, Math.round(refreshSeconds))}">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body>${body.text}</body></html>
`;
}

function stateClass(c: ClientStatus): string {
  if (!c.reachable || c.drift === 'drifted' || c.rebootRequired) return 'bad';
  if ((c.updates?.security ?? 0) > 0) return 'warn';
  return 'ok';
}

function backupClass(c: ClientStatus): string {
  if (c.backups.some((b) => b.state === 'problem')) return 'bad';
  if (c.backups.some((b) => b.state === 'unknown')) return 'muted';
  return c.backups.length ? 'ok' : '';
}

function monitoringClass(c: ClientStatus): string {
  const s = c.monitoring.state;
  return s === 'in-place' ? 'ok' : s === 'drifted' || s === 'refused' ? 'bad' : 'muted';
}

/** A cell; its value in one element, so on a phone the label (data-label) and the value sit side by side. */
const td = (label: string, value: Html | string, cls = ''): Html => html`<td data-label="${label}"${cls ? new Html(` class="${escapeHtml(cls)}"`) : ''}><div>${value}</div></td>`;

function clientRow(c: ClientStatus, now: Date): Html {
  const link = html`<a href="/client?name=${encodeURIComponent(c.client)}">${c.client}</a>`;
  return html`<tr class="client" data-client="${c.client}">
${td('client', link, stateClass(c))}
${td('OS', c.reachable ? c.os.live ?? 'unknown' : html`<span class="bad">unreachable</span>`)}
${td('instances', html`${c.instances.map((i) => html`<div>${i.name}: <code>${i.live?.image ?? i.desired.image}</code> (${i.live?.series ?? i.desired.series})</div>`)}`)}
${td('drift', c.drift, c.drift === 'drifted' ? 'bad' : c.drift === 'in-sync' ? 'ok' : 'muted')}
${td('last apply', lastApplyText(c, now))}
${td('backups', backupsText(c, now), backupClass(c))}
${td('updates', updatesText(c), (c.updates?.security ?? 0) > 0 ? 'warn' : '')}
${td('reboot', rebootText(c), c.rebootRequired ? 'bad' : '')}
${c.windows.map((w) => td(`${w.kind} window`, windowText(w)))}
${td('monitoring', html`<span title="${monitoringDetail(c)}">${monitoringText(c)}</span>`, monitoringClass(c))}
</tr>`;
}

export function renderFleetPage(s: FleetStatus, opts: { refreshSeconds: number }): string {
  const now = new Date(s.generatedAt);
  const kinds = s.clients[0]?.windows.map((w) => w.kind) ?? ['security', 'os'];
  const body = html`<h1>odoops fleet</h1>
<div class="meta">${s.clients.length} client(s) · config <code>${s.revision.slice(0, 12)}</code> · read ${s.generatedAt} · refreshes every ${opts.refreshSeconds} s</div>
<table class="rows"><thead><tr><th>client</th><th>OS</th><th>instances (image, series)</th><th>drift</th><th>last apply</th><th>newest backup</th><th>pending updates</th><th>reboot</th>${kinds.map((k) => html`<th>${k} window</th>`)}<th>monitoring</th></tr></thead>
<tbody>${s.clients.map((c) => clientRow(c, now))}</tbody></table>`;
  return page('odoops fleet', opts.refreshSeconds, body);
}

function instanceTable(i: InstanceStatus, now: Date): Html {
  const live = i.live;
  const row = (what: string, desired: unknown, actual: unknown, differs: boolean) =>
    html`<tr><th scope="row">${what}</th><td data-label="desired">${desired}</td><td data-label="live" class="${differs ? 'bad' : ''}">${actual}</td></tr>`;
  const rows = [
    row('image', html`<code>${i.desired.image}</code>`, live ? html`<code>${live.image ?? '(none)'}</code>` : 'unknown', !!live && live.image !== i.desired.image),
    row('series', i.desired.series, live?.series ?? 'unknown', !!live && live.series !== null && live.series !== i.desired.series),
    row('modules', `${i.desired.modules} listed`, live ? `${live.installedModules} installed` : 'unknown', false),
    row('running', 'yes', live ? (live.present ? (live.running ? 'yes' : 'no') : 'not deployed') : 'unknown', !!live && !live.running),
    row('last applied', '', live?.lastApplied ? `${live.lastApplied.revision.slice(0, 12)} ${agoText(live.lastApplied.at, now)}` : 'never', false),
    row('update window', '', i.window.description, false),
  ];
  return html`<h2>${i.name} <span class="muted">${i.desired.domain}</span></h2>
<table class="rows instance" data-instance="${i.name}"><thead><tr><th></th><th>desired</th><th>live</th></tr></thead><tbody>${rows}</tbody></table>
${i.blocked ? html`<p class="bad">blocked: ${i.blocked.message}</p>` : ''}
${i.changes.length ? html`<ul class="changes">${i.changes.map((c) => html`<li><code>${c.path}</code>: ${c.reason}</li>`)}</ul>` : html`<p class="ok">no difference</p>`}`;
}

export function renderClientPage(s: FleetStatus, client: string, opts: { refreshSeconds: number }): string | null {
  const c = s.clients.find((x) => x.client === client);
  if (!c) return null;
  const now = new Date(s.generatedAt);
  const pending = c.updates ? [...c.updates.packages.security, ...c.updates.packages.other] : [];
  const body = html`<p><a href="/">← fleet</a></p>
<h1>${c.client}</h1>
<div class="meta"><code>${c.file}</code> · ${c.host} · config <code>${s.revision.slice(0, 12)}</code> · read ${s.generatedAt}</div>
${c.reachable ? '' : html`<p class="bad">unreachable: ${c.unreachable?.message ?? ''}</p>`}
<table class="rows summary"><tbody>
<tr><th scope="row">OS</th><td>${c.os.pretty ?? c.os.live ?? 'unknown'} (expected ${c.os.expected})</td></tr>
<tr><th scope="row">drift</th><td class="${c.drift === 'drifted' ? 'bad' : ''}">${c.drift}</td></tr>
<tr><th scope="row">last apply</th><td>${lastApplyText(c, now)}</td></tr>
<tr><th scope="row">newest backup</th><td class="${backupClass(c)}">${backupsText(c, now)}${c.backups.length ? html`<ul class="backups">${c.backups.map((b) => html`<li><code>${b.destination}</code> ${b.state}: ${backupDetail(b)}</li>`)}</ul>` : ''}</td></tr>
<tr><th scope="row">pending updates</th><td>${updatesText(c)}${c.updates?.held.length ? html` · held: ${c.updates.held.join(', ')}` : ''}</td></tr>
<tr><th scope="row">reboot</th><td class="${c.rebootRequired ? 'bad' : ''}">${rebootText(c)}</td></tr>
${c.windows.map((w) => html`<tr><th scope="row">${w.kind} window</th><td>${windowText(w)}</td></tr>`)}
<tr><th scope="row">monitoring</th><td class="${monitoringClass(c)}">${monitoringText(c)}: ${monitoringDetail(c)}</td></tr>
</tbody></table>
${c.managedChanges.length ? html`<h2>files odoops keeps on the server</h2><ul class="managed">${c.managedChanges.map((m) => html`<li><code>${m.path}</code>: ${m.reason}</li>`)}</ul>` : ''}
${c.instances.map((i) => instanceTable(i, now))}
${pending.length ? html`<h2>pending packages</h2><ul class="packages">${pending.map((p) => html`<li><code>${p.name}</code> ${p.from ?? '(new)'} → ${p.to}${p.security ? html` <span class="warn">security</span>` : ''}</li>`)}</ul>` : ''}
<h2>recent runs</h2>
${c.recentRuns.length
    ? html`<table class="rows runs"><thead><tr><th>when</th><th>kind</th><th>revision</th><th>result</th></tr></thead><tbody>${c.recentRuns.map((r) => html`<tr><th scope="row">${r.startedAt}</th><td data-label="kind">${r.kind}</td><td data-label="revision"><code>${r.revision.slice(0, 20)}</code></td><td data-label="result" class="${/fail|rolled/.test(r.result) ? 'bad' : ''}">${r.result}</td></tr>`)}</tbody></table>`
    : html`<p class="muted">no run journaled on this server</p>`}
${c.errors.length ? html`<h2>could not read</h2><ul>${c.errors.map((e) => html`<li>${e}</li>`)}</ul>` : ''}`;
  return page(`odoops · ${c.client}`, opts.refreshSeconds, body);
}

/** The page shown while the first status is being read (or the config repo is not read yet). */
export function renderWaitingPage(message: string, opts: { refreshSeconds: number }): string {
  return page('odoops fleet', opts.refreshSeconds, html`<h1>odoops fleet</h1><p class="muted">${message}</p>`);
}
