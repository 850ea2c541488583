/**
 * Addons repository URLs beyond their syntax (the schema's `gitUrl`): git hands the host and
 * user of an ssh URL to ssh, so one starting with '-' is an option (`ssh://-oProxyCommand=...`
 * runs a command on the server); and a file:// URL reads whatever repository sits at that path
 * on the server, so it is allowed only under the directories a fleet lists in fleet.yaml
 * `policy.allowFileUrls` (the sandbox lists the directory of its bare repositories).
 */

/** Host or user of a URL (scheme://[user@]host... or scp-like user@host:path), or null. */
function authority(url: string): { user: string | null; host: string } | null {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(url) ?? /^([^/:]*@?[^/:]*):/.exec(url);
  if (!m) return null;
  const auth = m[1]!;
  const at = auth.lastIndexOf('@');
  return at < 0 ? { user: null, host: auth } : { user: auth.slice(0, at), host: auth.slice(at + 1) };
}

/** Why an allow-list entry is not a usable file:// prefix, or null. */
export function fileUrlPrefixProblem(prefix: string): string | null {
  if (!prefix.startsWith('file:///')) return 'must be a file:/// URL of an absolute directory, e.g. file:///srv/git/';
  if (!prefix.endsWith('/')) return 'must end with "/" (a directory: file:///srv/git would also allow file:///srv/github)';
  if (/\/\.\.?(\/|$)|\/\/./.test(prefix.slice('file://'.length)) || prefix.includes('%')) return 'must be a plain absolute path (no ".", "..", "//" or %-escapes)';
  return null;
}

/**
 * Why an addons URL may not be used by this fleet, or null. `allowFileUrls` are the fleet's
 * file:/// directory prefixes.
 */
export function gitUrlProblem(url: string, allowFileUrls: readonly string[]): string | null {
  const a = authority(url);
  if (a?.user?.startsWith('-')) return `user "${a.user}" starts with "-": git would pass it to ssh as an option`;
  if (a?.host.startsWith('-')) return `host "${a.host}" starts with "-": git would pass it to ssh as an option`;
  if (!/^file:/i.test(url)) return null;
  const allowed = allowFileUrls.length ? `allowed: ${allowFileUrls.join(', ')}` : 'none allowed';
  const where = `file:// URLs are allowed only under the directories of fleet.yaml policy.allowFileUrls (${allowed})`;
  if (!url.startsWith('file:///')) return `must be file:/// followed by an absolute path; ${where}`;
  const p = url.slice('file://'.length);
  if (/\/\.\.?(\/|$)|\/\//.test(p) || url.includes('%')) return `must be a plain absolute path (no ".", "..", "//" or %-escapes); ${where}`;
  if (!allowFileUrls.some((prefix) => url.startsWith(prefix))) return where;
  return null;
}
