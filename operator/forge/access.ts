/**
 * Who may do what from a comment, in one place. Each platform's own access model is mapped
 * onto one scale (none < read < write < maintain < admin), and the rule for `odoops apply`
 * follows each platform's convention for "may change production": GitLab Maintainer (40)
 * or more — Developers can push but not merge to protected branches by default; GitHub
 * write, maintain or admin — the collaborators who can merge (Atlantis uses the same two rules).
 */
import type { AccessInfo, AccessLevel, ForgeUser } from './types.ts';

/** GitLab access levels (members API `access_level`). */
export const GITLAB_ACCESS = { none: 0, minimal: 5, guest: 10, planner: 15, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const;
export const GITLAB_APPLY_MIN_ACCESS = GITLAB_ACCESS.maintainer;
const GITLAB_NAMES: Record<number, string> = { 0: 'No access', 5: 'Minimal access', 10: 'Guest', 15: 'Planner', 20: 'Reporter', 30: 'Developer', 40: 'Maintainer', 50: 'Owner', 60: 'Admin' };

export function gitlabAccess(user: ForgeUser, accessLevel: number): AccessInfo {
  const level: AccessLevel =
    accessLevel >= GITLAB_ACCESS.owner ? 'admin' : accessLevel >= GITLAB_ACCESS.maintainer ? 'maintain' : accessLevel >= GITLAB_ACCESS.developer ? 'write' : accessLevel >= GITLAB_ACCESS.guest ? 'read' : 'none';
  return {
    user,
    level,
    platformLevel: `${GITLAB_NAMES[accessLevel] ?? 'access level'} (${accessLevel})`,
    mayApply: accessLevel >= GITLAB_APPLY_MIN_ACCESS,
  };
}

/** GitHub collaborator permission (`permission`) and finer role (`role_name`). */
export const GITHUB_APPLY_ROLES: ReadonlySet<string> = new Set(['write', 'maintain', 'admin']);

export function githubAccess(user: ForgeUser, permission: string, roleName: string | null): AccessInfo {
  const role = roleName ?? permission;
  const level: AccessLevel =
    role === 'admin' ? 'admin' : role === 'maintain' ? 'maintain' : role === 'write' || permission === 'write' ? 'write' : role === 'triage' || role === 'read' || permission === 'read' ? 'read' : 'none';
  return {
    user,
    level,
    platformLevel: roleName && roleName !== permission ? `${permission} (role ${roleName})` : permission,
    mayApply: GITHUB_APPLY_ROLES.has(role) || permission === 'write' || permission === 'admin',
  };
}

export function noAccess(user: ForgeUser, platformLevel: string): AccessInfo {
  return { user, level: 'none', platformLevel, mayApply: false };
}
