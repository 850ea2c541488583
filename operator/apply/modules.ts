/** Reads ir_module_module back after a change: Odoo's exit code is never trusted alone. */
import { psqlModules } from '../host/commands.ts';
import { run, type ExecContext } from './context.ts';

export interface ModuleRow {
  state: string;
  version: string | null;
}

export async function readModules(ctx: Pick<ExecContext, 'session' | 'runId'>, instance: string, database: string): Promise<Record<string, ModuleRow>> {
  const res = await run(ctx, psqlModules(instance, database));
  const rows: Record<string, ModuleRow> = {};
  for (const line of res.stdout.split('\n')) {
    const [name, state, version] = line.split('\t');
    if (name && state) rows[name] = { state, version: version || null };
  }
  return rows;
}

/** One line per module whose state is not what is expected, e.g. "foo: uninstalled (not found)". */
export function unexpectedStates(rows: Record<string, ModuleRow>, modules: string[], want: (state: string) => boolean): string[] {
  return modules.filter((m) => !want(rows[m]?.state ?? 'absent')).map((m) => `${m}: ${rows[m]?.state ?? 'unknown to Odoo'}`);
}
