/**
 * The health check of an instance after a change (issue 11): a request that needs its database
 * — `GET /web/login?db=<database>` answering 200 with the login form, not a redirect — and
 * the startup phase of its log (from just before `up -d` to the first healthy answer) free of
 * ERROR/CRITICAL records. Either failing fails the check. The startup phase is what the log
 * gained after a mark the server gives just before `up -d` (odooLogMark: a byte offset in the
 * log file, or the engine's own clock for the container's output), not lines picked by their
 * timestamps: those are Odoo's own text (UTC only because odoo-bin sets TZ=UTC), to the second. `/web/health` is not used: real Odoo
 * answers it with PostgreSQL stopped. Errors of users' requests are not a reason (see
 * startupProblems).
 */
import { composeUp, guarded, loginPage, odooLogMark, odooLogSince, parseOdooLogMark } from '../host/commands.ts';
import { ActionFailure, run, type ExecContext } from './context.ts';
import { describeRecord, parseOdooLog, startupProblems } from './odoo-output.ts';

type HealthContext = Pick<ExecContext, 'session' | 'runId' | 'healthTimeoutMs' | 'instance' | 'startedAt' | 'now'>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Log lines read back for the startup phase, its first ones (a start logs a few dozen; users' requests add theirs). */
const LOG_LINES = 5000;

/** The login form of Odoo's web client (real Odoo 16-18 and the stand-in). */
const LOGIN_FORM = /class="[^"]*\boe_login_form\b/;

/** Starts odoo (`up -d`), first taking the log's mark: the startup phase of the log begins there. */
export async function startOdoo(ctx: Pick<ExecContext, 'session' | 'runId' | 'instance'> & { startedAt: string | null }): Promise<void> {
  ctx.startedAt = (await run(ctx, odooLogMark(ctx.instance.name))).stdout.trim();
  await run(ctx, composeUp(ctx.instance.name));
}

/**
 * Waits for the login page of the database, then reads the startup log; returns when odoo first
 * answered healthy. A rollback checks the login page only: it restores what served before,
 * whose own startup errors (if any) are not this run's to judge.
 */
export async function instanceHealth(ctx: HealthContext, opts: { scanLog: boolean } = { scanLog: true }): Promise<Date> {
  const inst = ctx.instance;
  const deadline = Date.now() + ctx.healthTimeoutMs;
  let last = '';
  let command = '';
  for (;;) {
    const res = await ctx.session.exec(guarded(loginPage(inst.httpPort, inst.database), ctx.runId));
    command = res.command;
    const at = ctx.now();
    if (res.code === 0) {
      const cut = res.stdout.lastIndexOf('\n');
      const [status, location] = res.stdout.slice(cut + 1).split(' ');
      const body = res.stdout.slice(0, Math.max(0, cut));
      if (status === '200' && LOGIN_FORM.test(body)) {
        if (opts.scanLog) await checkStartupLog(ctx);
        return at;
      }
      last = status === '200' ? 'answered 200 without the login form' : `answered ${status}${location ? ` (redirect to ${location})` : ''}`;
    } else {
      last = res.stderr.trim().split('\n').pop() || `exit ${res.code}`;
    }
    if (Date.now() > deadline) break;
    await sleep(500);
  }
  const why = `GET /web/login?db=${inst.database} ${last} for ${Math.round(ctx.healthTimeoutMs / 1000)} s`;
  const problems = await startupLogProblems(ctx).catch(() => ({ lines: [] as string[], output: '' }));
  throw new ActionFailure(problems.lines.length ? `${why}; startup log: ${problems.lines.at(-1)}` : why, command, [last, ...problems.lines].join('\n'));
}

async function startupLogProblems(ctx: HealthContext): Promise<{ lines: string[]; output: string; command?: string }> {
  if (ctx.startedAt === null) return { lines: [], output: '' };
  const mark = parseOdooLogMark(ctx.startedAt);
  if (!mark) throw new ActionFailure(`the odoo log mark taken before the start is unreadable: "${ctx.startedAt.slice(0, 100)}"`);
  const res = await run(ctx, odooLogSince(ctx.instance.name, mark, LOG_LINES));
  const problems = startupProblems(parseOdooLog(res.stdout));
  return { lines: problems.map(describeRecord), output: problems.map((p) => [p.text, ...p.continuation].join('\n')).join('\n'), command: res.command };
}

async function checkStartupLog(ctx: HealthContext): Promise<void> {
  const p = await startupLogProblems(ctx);
  if (p.lines.length) throw new ActionFailure(`startup log: ${p.lines.at(-1)}${p.lines.length > 1 ? ` (and ${p.lines.length - 1} more ERROR/CRITICAL)` : ''}`, p.command, p.output);
}
