/**
 * The one way to build a remote command: an argv array quoted for a POSIX shell.
 * Config values are never concatenated into shell text anywhere else.
 */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quote one argument so that a POSIX shell passes it through as exactly one word. */
export function quote(arg: string): string {
  if (typeof arg !== 'string') throw new TypeError(`shell argument must be a string, got ${typeof arg}`);
  if (arg.includes('\0')) throw new Error('shell argument contains a NUL byte');
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Join an argv into one shell command line, each element quoted. */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('empty command');
  return argv.map(quote).join(' ');
}
