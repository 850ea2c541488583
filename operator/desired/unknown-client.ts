/** One wording for an unknown client name, whichever command or file named it. */
export function unknownClientMessage(names: string[], known: string[], where?: string): string {
  const list = known.length > 10 ? `${known.slice(0, 10).join(', ')}, ...` : known.join(', ') || 'none';
  const at = where ? ` at ${where}` : '';
  return `unknown client${names.length > 1 ? 's' : ''} ${names.map((n) => `"${n}"`).join(', ')} (known: ${list})${at}`;
}
