/**
 * Validation issues: every problem in the config repo is located as file:line:col so the
 * user can jump to it; all of them are reported at once. An issue is an error (the config
 * cannot be used) or a warning (it can, but probably does not say what was meant, or leaves
 * out something odoops will do later); warnings never fail validation.
 */
import { OdoopsError } from '../util/errors.ts';
import type { IssueSeverity, ValidationIssue } from './types.ts';

export type { IssueSeverity, ValidationIssue } from './types.ts';

/** The config repo is invalid; `errors` holds every error (warnings left out), sorted by file then line. */
export class ValidationFailed extends OdoopsError {
  readonly errors: ValidationIssue[];
  constructor(errors: ValidationIssue[]) {
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''}; run odoops validate)` : '';
    super(first ? `${formatIssue(first)}${more}` : 'config repo is invalid');
    this.name = 'ValidationFailed';
    this.errors = errors;
  }
}

/** "file:line:col: message" for an error, "file:line:col: warning: message" for a warning. */
export function formatIssue(i: ValidationIssue): string {
  return `${i.file}:${i.line}:${i.col}: ${i.severity === 'warning' ? 'warning: ' : ''}${i.message}`;
}

export function errorsOf(issues: readonly ValidationIssue[]): ValidationIssue[] {
  return issues.filter((i) => i.severity === 'error');
}

export function warningsOf(issues: readonly ValidationIssue[]): ValidationIssue[] {
  return issues.filter((i) => i.severity === 'warning');
}

/** An issue at a position. */
export function issueAt(file: string, pos: { line: number; col: number }, message: string, severity: IssueSeverity = 'error'): ValidationIssue {
  return { file, line: pos.line, col: pos.col, severity, message };
}

/** Sorted by file (fleet.yaml first, then clients by path), line, column; duplicates removed. */
export function sortIssues(issues: ValidationIssue[]): ValidationIssue[] {
  const rank = (f: string) => (f === 'fleet.yaml' ? 0 : 1);
  const seen = new Set<string>();
  const out: ValidationIssue[] = [];
  for (const i of issues) {
    const k = formatIssue(i);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(i);
  }
  return out.sort(
    (a, b) =>
      rank(a.file) - rank(b.file) ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.col - b.col ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}
