/** A mistake on the command line or in an input file: printed without a stack trace, exit status 2. */
export class UsageError extends Error {
  constructor(message: string, readonly lines: string[] = []) {
    super(message);
  }
}
