/**
 * A HostCommand for a test's own one-off command (a check, a fault, a hostile value):
 * the product builds its commands in operator/host/ only; tests may write theirs here.
 */
import type { HostCommand } from '../../operator/host/command.ts';

export function adhoc(argv: string[], opts: { timeoutMs?: number; stdin?: string; label?: string; maxOutputBytes?: number } = {}): HostCommand {
  return {
    argv,
    label: opts.label ?? `test: ${argv[0]}`,
    timeoutMs: opts.timeoutMs ?? 120_000,
    ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
    ...(opts.maxOutputBytes !== undefined ? { maxOutputBytes: opts.maxOutputBytes } : {}),
  };
}
