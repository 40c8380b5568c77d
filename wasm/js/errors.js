// Errors are data: a stable code, a message a person can act on, and which side of a transfer
// failed ('' when there is no transfer). They never carry credentials.
export class IrelError extends Error {
  constructor({ code, message, side = '' }) {
    super(message);
    this.name = 'IrelError';
    this.code = code;
    this.side = side;
  }

  toJSON() {
    const out = { code: this.code, message: this.message };
    if (this.side) out.side = this.side;
    return out;
  }
}
