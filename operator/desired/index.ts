/** Desired state: the config repo read at a revision, validated and resolved. */
export { loadDesiredState, validateRepo, touchedClients, type RepoOptions } from './load.ts';
export { ValidationFailed, formatIssue, sortIssues } from './issues.ts';
export type * from './types.ts';
