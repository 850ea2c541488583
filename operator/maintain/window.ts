/**
 * Pure: whether a maintenance kind may run now, by its own window (maintenance.security or
 * maintenance.os), with Argo CD's manualSync rule for --ignore-windows. A client without a
 * window of that kind is maintained only on request (--ignore-windows): OS updates that no
 * one scheduled never start by themselves.
 */
import type { ClientSpec, WindowSpec } from '../desired/types.ts';
import { overrideAllowed, windowStatus } from '../plan/windows.ts';
import type { WindowStatus } from '../plan/types.ts';
import type { MaintenanceKind, MaintenanceReason } from './types.ts';

export type WindowDecision =
  | { go: true; status: WindowStatus | null; ignored: boolean }
  | { go: false; status: WindowStatus | null; reason: MaintenanceReason };

export function maintenanceWindow(spec: ClientSpec, kind: MaintenanceKind): WindowSpec | undefined {
  return spec.maintenance[kind];
}

export function windowDecision(spec: ClientSpec, kind: MaintenanceKind, at: Date, ignoreWindows: boolean): WindowDecision {
  const window = maintenanceWindow(spec, kind);
  if (!window) {
    if (ignoreWindows) return { go: true, status: null, ignored: true };
    return { go: false, status: null, reason: { code: 'no-window', message: `${spec.name}: no maintenance.${kind} window declared (${spec.file}); run with --ignore-windows to maintain it now` } };
  }
  const status = windowStatus([window], at);
  if (status.open) return { go: true, status, ignored: false };
  if (ignoreWindows) {
    if (overrideAllowed([window], at)) return { go: true, status, ignored: true };
    return { go: false, status, reason: { code: 'override-refused', message: `${spec.name}: maintenance.${kind} window is ${status.description}, and its manualSync is false: --ignore-windows refused` } };
  }
  return { go: false, status, reason: { code: 'window-closed', message: `${spec.name}: maintenance.${kind} window ${status.description}` } };
}

/** Between steps: may the next step start? (Always, when the run ignores windows.) */
export function mayContinue(spec: ClientSpec, kind: MaintenanceKind, at: Date, ignoreWindows: boolean): boolean {
  if (ignoreWindows) return true;
  const window = maintenanceWindow(spec, kind);
  return !!window && windowStatus([window], at).open;
}
