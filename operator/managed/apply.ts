/**
 * Applies a managed-files plan on one target (client server or monitoring server), unit by
 * unit, under the caller's server lock: the server keeps the previous files, writes the new
 * ones atomically, validates them with the rendering's own commands, activates them, and
 * restores the previous files on any failure (managed-files.py). A guarded unit (sshd,
 * firewall) is confirmed only once a NEW SSH connection works; until then a timed revert
 * armed on the server restores the previous files on its own, so even a cut link reverts.
 */
import { guarded } from '../host/commands.ts';
import { connectionCheck, managedConfirm, managedInstall, managedRevert } from '../host/managed.ts';
import { HostKeyMismatchError, type HostSession } from '../live/ssh.ts';
import { redact } from '../secrets/index.ts';
import { errorMessage } from '../util/errors.ts';
import type { ManagedActionResult, ManagedApplyResult, ManagedPlan, ManagedRendering } from './types.ts';

export interface ManagedApplyOptions {
  runId: string;
  /** Opens a NEW SSH connection to the same target (pinned host key), for guarded units. */
  reconnect: () => Promise<HostSession>;
  /**
   * How long the new connection may take to work after activation: a reloaded sshd closes its
   * listening socket while it re-executes itself, so the first attempts may be refused.
   * Default 30 s (never more than the timed revert).
   */
  reconnectWithinMs?: number;
  /** Seconds after which the server reverts a guarded unit by itself; default 120. */
  revertAfterS?: number;
  /** Every resolved secret value: messages are redacted of them. */
  secretValues?: readonly string[];
  onProgress?: (unit: string, status: 'start' | 'ok' | 'failed' | 'info', message: string) => void | Promise<void>;
}

interface InstallAnswer {
  ok: boolean;
  stage?: 'write' | 'validate' | 'activate';
  message?: string;
  steps?: string[];
  restored?: boolean;
  problems?: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A new SSH connection that runs a command, retried until `withinMs` (never on a host key mismatch). */
async function newConnection(reconnect: () => Promise<HostSession>, withinMs: number): Promise<{ session: HostSession | null; why: string | null }> {
  const deadline = Date.now() + withinMs;
  let why = 'no attempt';
  for (let attempt = 0; ; attempt++) {
    let fresh: HostSession | null = null;
    try {
      fresh = await reconnect();
      const check = await fresh.exec(connectionCheck());
      if (check.code === 0) return { session: fresh, why: null };
      why = `the new connection could not run a command (exit ${check.code})`;
    } catch (err) {
      why = errorMessage(err);
      if (err instanceof HostKeyMismatchError) return { session: null, why };
    }
    await fresh?.close().catch(() => undefined);
    if (Date.now() + 500 > deadline) return { session: null, why: `${why} (${attempt + 1} attempts)` };
    await sleep(Math.min(500 * 2 ** attempt, 4000));
  }
}

const tokenOf = (runId: string, unit: string) => `${runId}-${unit}`.replace(/[^A-Za-z0-9_.-]/g, '_');

export async function applyManaged(session: HostSession, plan: ManagedPlan, renderings: ManagedRendering[], opts: ManagedApplyOptions): Promise<ManagedApplyResult> {
  const result: ManagedApplyResult = { target: plan.target, actions: [] };
  const say = async (unit: string, status: 'start' | 'ok' | 'failed' | 'info', message: string) => opts.onProgress?.(unit, status, redact(message, opts.secretValues ?? []));
  for (const action of plan.actions) {
    const r = renderings.find((x) => x.unit === action.unit);
    const t0 = Date.now();
    const done = (outcome: ManagedActionResult['outcome'], steps: string[], detail?: string): ManagedActionResult => ({
      unit: action.unit, outcome, steps, durationMs: Date.now() - t0, ...(detail ? { detail: redact(detail, opts.secretValues ?? []) } : {}),
    });
    if (!r || r.digest !== action.digest) {
      result.actions.push(done('skipped', [], 'the rendering changed since the plan was made'));
      continue;
    }
    await say(action.unit, 'start', `writing ${action.files.map((f) => f.path).join(', ')}`);
    const token = tokenOf(opts.runId, action.unit);
    const revertAfterS = opts.revertAfterS ?? 120;
    const install = managedInstall({
      token, label: action.unit,
      files: r.files.map((f) => ({ path: f.path, content: f.content, mode: f.mode, ...(f.owner ? { owner: f.owner } : {}) })),
      validate: r.validate, activate: r.activate, guard: r.guard === 'ssh', revertAfterS,
    });
    let answer: InstallAnswer;
    try {
      const res = await session.exec(guarded(install, opts.runId));
      if (res.code !== 0) throw new Error(`${res.label}: exit ${res.code}: ${(res.stderr || res.stdout).trim().split('\n').pop() ?? ''}`);
      answer = JSON.parse(res.stdout) as InstallAnswer;
    } catch (err) {
      const ar = done('failed', [], `${errorMessage(err)}${r.guard === 'ssh' ? `; if the files were written, the server restores them by itself within ${revertAfterS} s` : ''}`);
      result.actions.push(ar);
      await say(action.unit, 'failed', ar.detail!);
      continue;
    }
    const steps = answer.steps ?? [];
    if (!answer.ok) {
      const restored = answer.restored ? 'the previous files are back' : `RESTORING THE PREVIOUS FILES FAILED: ${(answer.problems ?? []).join('; ')}`;
      const ar = done(answer.stage === 'validate' ? 'refused' : answer.restored ? 'reverted' : 'failed', steps, `${answer.message ?? 'failed'}; ${restored}`);
      result.actions.push(ar);
      await say(action.unit, 'failed', ar.detail!);
      continue;
    }
    if (r.guard !== 'ssh') {
      result.actions.push(done('applied', steps));
      await say(action.unit, 'ok', `${action.unit} applied`);
      continue;
    }
    // Anti-lockout: the change counts only once a new connection works end to end.
    await say(action.unit, 'info', 'opening a new SSH connection before confirming');
    const { session: fresh, why: failed } = await newConnection(opts.reconnect, Math.min(opts.reconnectWithinMs ?? 30_000, revertAfterS * 500));
    let why = failed;
    if (why === null && fresh) {
      const confirm = await fresh.exec(guarded(managedConfirm(token, action.unit), opts.runId)).catch((err: unknown) => ({ code: -1, stdout: '', stderr: errorMessage(err) }));
      await fresh.close().catch(() => undefined);
      const ok = confirm.code === 0 && (JSON.parse(confirm.stdout || '{}') as { ok?: boolean }).ok === true;
      if (ok) {
        result.actions.push(done('applied', [...steps, 'confirmed over a new SSH connection']));
        await say(action.unit, 'ok', `${action.unit} applied (new SSH connection works)`);
        continue;
      }
      why = `confirming failed: ${confirm.stdout || confirm.stderr}`;
    }
    await fresh?.close().catch(() => undefined);
    await say(action.unit, 'failed', `new SSH connection failed (${why}): reverting`);
    const revert = await session
      .exec(guarded(managedRevert(token, action.unit, r.activate.reduce((n, a) => n + a.timeoutMs, 0)), opts.runId))
      .catch((err: unknown) => ({ code: -1, stdout: '', stderr: errorMessage(err) }));
    const answerRevert = revert.code === 0 ? (JSON.parse(revert.stdout || '{}') as { ok?: boolean; problems?: string[] }) : null;
    const how = answerRevert?.ok
      ? 'the previous files were restored and re-activated'
      : answerRevert
        ? `restoring reported problems: ${(answerRevert.problems ?? []).join('; ')}`
        : `odoops could not reach the server to revert (${revert.stderr.trim().split('\n').pop()}); the timed revert on the server restores the previous files within ${revertAfterS} s`;
    const ar = done(answerRevert?.ok === false ? 'failed' : 'reverted', steps, `a new SSH connection failed after activation (${why}); ${how}`);
    result.actions.push(ar);
    await say(action.unit, 'failed', ar.detail!);
  }
  return result;
}

export { managedFailed } from '../report/managed.ts';
