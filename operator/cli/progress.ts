/**
 * Progress of a fleet run on stderr. On a terminal: one status line per server, redrawn in
 * place (log-update). Elsewhere (CI logs, pipes) the final report says it all, so only a
 * failed step is printed as it happens; with --verbose, one timestamped line per finished step.
 * --quiet prints nothing (the report on stdout stays).
 */
import { createLogUpdate } from 'log-update';
import pc from 'picocolors';
import type { ApplyProgress } from '../apply/index.ts';

export interface Progress {
  update(e: ApplyProgress): void;
  stop(): void;
}

export function startProgress(clients: string[], opts: { enabled: boolean; verbose: boolean }): Progress {
  if (!opts.enabled || clients.length === 0) return { update: () => undefined, stop: () => undefined };
  const stream = process.stderr;
  if (!stream.isTTY) {
    return {
      update: (e) => {
        if (e.status === 'start' || (!opts.verbose && e.status !== 'failed')) return;
        const where = e.instance ? `${e.client}/${e.instance}` : e.client;
        stream.write(`${new Date().toISOString()} ${where} ${e.step} ${e.status}: ${e.message}\n`);
      },
      stop: () => undefined,
    };
  }
  const width = Math.max(...clients.map((c) => c.length));
  const lines = new Map(clients.map((c) => [c, pc.dim('waiting')]));
  const draw = createLogUpdate(stream);
  const frame = () => draw([...lines].map(([c, l]) => `${c.padEnd(width)}  ${l}`).join('\n'));
  const timer = setInterval(frame, 100);
  return {
    update: (e) => {
      const where = e.instance ? `${e.instance}: ` : '';
      const mark = e.status === 'failed' ? pc.red('✗') : e.status === 'ok' ? pc.green('✓') : pc.cyan('…');
      lines.set(e.client, `${mark} ${where}${e.step}: ${e.message}`);
    },
    stop: () => {
      clearInterval(timer);
      frame();
      draw.done();
    },
  };
}
