// The one base class of problems a user can fix (bad input, a folder in use, a broken file):
// the CLI prints such an error as one line and exits with status 2. Anything else is a bug and
// keeps its stack trace.
export class UserError extends Error {
  override name = 'UserError';
}

/** Whether `err` is a UserError, also when it crossed a worker thread (which keeps only the name). */
export function isUserError(err: unknown): err is Error {
  return err instanceof UserError || (err instanceof Error && USER_ERROR_NAMES.has(err.name));
}

/** Names of the UserError subclasses, for errors that lost their class crossing a thread. */
const USER_ERROR_NAMES = new Set<string>(['UserError']);

/** Registers a subclass's name (called next to each subclass). */
export function userErrorName(name: string): string {
  USER_ERROR_NAMES.add(name);
  return name;
}
