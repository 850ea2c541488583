/** Desired state: the config repo at a revision (or its working tree), validated and resolved. */
export { loadDesiredState, validateRepo, touchedClients, type RepoOptions, type Validation } from './load.ts';
export { ValidationFailed, formatIssue, sortIssues, errorsOf, warningsOf } from './issues.ts';
export { describeSource, sourceCommit, sourceRevision, type ConfigSource, type WorktreePolicy } from './source.ts';
export type * from './types.ts';
