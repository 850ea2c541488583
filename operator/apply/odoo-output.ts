/**
 * Reading Odoo's output (pure): its log lines, which of them say why something failed, and
 * the startup phase of a server's log. Real Odoo ends a failed `-i` with the traceback and
 * then `INFO ... odoo.service.server: Stopping gracefully`, so the last line is never the
 * reason: the reason is the last ERROR/CRITICAL line or exception line, and those lines are
 * kept in reports whatever the length of the tail.
 */

/** "2026-11-24 10:00:00,123 1234 ERROR acme_prod odoo.modules.registry: Failed to load registry" */
const LOG_LINE = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+ \d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (\S+) ([\w.]+): ?(.*)$/;
/** The last line of a Python traceback: "psycopg2.errors.UndefinedColumn: column ...", "FileNotFoundError: ...". */
const EXCEPTION_LINE = /^(?:(?:[a-z_]\w*\.)+[A-Z]\w*|[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt))(?:: .*)?$/;

export interface OdooLogLine {
  /** "YYYY-MM-DD HH:MM:SS": Odoo's own stamp (UTC: odoo-bin sets TZ=UTC), for people; never used to pick lines. */
  at: string;
  level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
  database: string;
  logger: string;
  message: string;
  /** The line as printed, and the continuation lines (traceback) after it. */
  text: string;
  continuation: string[];
}

/** Compose prefixes each line of `docker compose logs` with "odoo-1  | ". */
const COMPOSE_PREFIX = /^[\w.-]+-\d+\s+\| ?/;

/** Odoo log records of a text (continuation lines attached to the record before them). */
export function parseOdooLog(text: string): OdooLogLine[] {
  const out: OdooLogLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(COMPOSE_PREFIX, '').replace(/\s+$/, '');
    const m = LOG_LINE.exec(line);
    if (m) out.push({ at: m[1]!, level: m[2] as OdooLogLine['level'], database: m[3]!, logger: m[4]!, message: m[5]!, text: line, continuation: [] });
    else if (out.length > 0 && line !== '') out.at(-1)!.continuation.push(line);
  }
  return out;
}

const isProblem = (line: string): boolean => {
  const m = LOG_LINE.exec(line);
  return m ? m[2] === 'ERROR' || m[2] === 'CRITICAL' : EXCEPTION_LINE.test(line.trim());
};

/** The line that says why a command failed: the last ERROR/CRITICAL or exception line, else the last line. */
export function failureReason(output: string): string {
  const lines = output.split('\n').map((l) => l.replace(COMPOSE_PREFIX, '').trimEnd()).filter((l) => l.trim() !== '');
  const line = [...lines].reverse().find(isProblem) ?? lines.at(-1) ?? '';
  return line.trim().slice(0, 500);
}

/**
 * What a report keeps of a command's output: every ERROR/CRITICAL and exception line (each cut
 * to 500 characters), then the last `tail` lines; at most `maxChars` in all, the problem lines
 * first, so a long tail never pushes them out.
 */
export function keptOutput(output: string, tail = 15, maxChars = 4000): string {
  const lines = output.trim().split('\n').map((l) => l.trimEnd());
  const last = lines.slice(-tail);
  const problems = lines.slice(0, Math.max(0, lines.length - tail)).filter(isProblem).map((l) => l.slice(0, 500));
  const head = [...new Set(problems)];
  let text = head.length ? [...head, '...', ...last].join('\n') : last.join('\n');
  if (text.length > maxChars) {
    const kept = head.join('\n');
    const room = Math.max(0, maxChars - kept.length - 5);
    const rest = last.join('\n');
    text = head.length ? `${kept.slice(0, maxChars)}\n...\n${room > 0 ? rest.slice(-room) : ''}` : `...${rest.slice(-maxChars)}`;
  }
  return text;
}

/** Loggers of request handling: their errors are users' requests, not a failed start. */
const REQUEST_LOGGERS = /^(odoo\.http|werkzeug|odoo\.addons\.[\w.]+\.controllers(\.[\w.]+)?)$/;

/**
 * ERROR/CRITICAL records of a server's startup phase — the records given, which the host read
 * after the mark taken before the start (operator/host odooLogSince) — request handling
 * excluded (a bad query logged by odoo.sql_db for a request is followed by odoo.http's record).
 */
export function startupProblems(inPhase: OdooLogLine[]): OdooLogLine[] {
  const out: OdooLogLine[] = [];
  for (let i = 0; i < inPhase.length; i++) {
    const r = inPhase[i]!;
    if (r.level !== 'ERROR' && r.level !== 'CRITICAL') continue;
    if (REQUEST_LOGGERS.test(r.logger)) continue;
    const next = inPhase[i + 1];
    if (r.logger === 'odoo.sql_db' && /^bad query/.test(r.message) && next && REQUEST_LOGGERS.test(next.logger)) continue;
    out.push(r);
  }
  return out;
}

/** One record with its traceback's last line: "CRITICAL odoo.service.server: Failed ... (SyntaxError: ...)". */
export function describeRecord(r: OdooLogLine): string {
  const exception = [...r.continuation].reverse().find((l) => EXCEPTION_LINE.test(l.trim()));
  return `${r.level} ${r.logger}: ${r.message}${exception ? ` (${exception.trim()})` : ''}`.slice(0, 500);
}
