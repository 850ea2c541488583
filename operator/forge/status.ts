/**
 * Commit status text. GitHub refuses a status description over 140 characters (422); the
 * same bound is used on GitLab so a status reads the same on both.
 */
export const STATUS_DESCRIPTION_MAX = 140;

export function statusDescription(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= STATUS_DESCRIPTION_MAX ? one : `${one.slice(0, STATUS_DESCRIPTION_MAX - 1)}…`;
}
