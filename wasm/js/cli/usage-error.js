// A mistake in how the command was called: exit status 2 and the command's usage.
export class UsageError extends Error {
  constructor(message, command) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}
