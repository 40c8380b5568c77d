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

/**
 * Any error as data ({ code, message, side? }): IrelErrors and the core's error objects as they
 * are, a cancellation as CANCELLED, anything else as ERROR with its message.
 */
export function errorData(e) {
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string') {
    const out = { code: e.code, message: e.message };
    if (e.side) out.side = e.side;
    return out;
  }
  return { code: e?.name === 'AbortError' ? 'CANCELLED' : 'ERROR', message: String(e?.message ?? e) };
}
