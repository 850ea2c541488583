/**
 * Errors that reach the user as one clear line. Anything else that escapes is a bug
 * and is printed with its stack.
 */
export class OdoopsError extends Error {
  /** Process exit code when this error ends a command. */
  readonly exitCode: number;
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'OdoopsError';
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad command-line usage: exit 2, like most Unix tools. */
export class UsageError extends OdoopsError {
  constructor(message: string) {
    super(message, { exitCode: 2 });
    this.name = 'UsageError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
