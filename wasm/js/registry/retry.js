// The one retry policy, for every repeatable exchange with a registry: a request
// (RegistryClient.send), the token fetch, a blob upload (pushBlob: each interruption resumes where
// the registry says) and a blob download (BlobReader: each failure reopens with a Range request).
// Configured by the `retry` option, { attempts, baseMs, maxMs }:
//   - attempts: tries of one operation, the first included (1: no retries). A download counts
//     the failures since bytes last arrived (what was received is kept); the others count every
//     failure of the operation.
//   - what is retried: a transport failure (connection refused, reset, cut mid-body, timeout:
//     NETWORK_ERROR) and a retryable status (core isRetryableStatus: 408, 429, 5xx but 501/505…);
//     never an IrelError of another kind (a source blob that failed its digest, a refused
//     request), never after the operation's signal was aborted.
//   - the wait: exponential backoff with full jitter, baseMs·2^n capped at maxMs, or the
//     registry's Retry-After (seconds or an HTTP date) when it sends one, capped at 3·maxMs.
import { IrelError } from '../errors.js';

export const DEFAULT_RETRY = Object.freeze({ attempts: 5, baseMs: 200, maxMs: 10_000 });

/** The policy from the `retry` option (any field may be missing). */
export function retryPolicy(given) {
  const p = { ...DEFAULT_RETRY, ...given };
  const attempts = Number.isFinite(p.attempts) ? Math.max(1, Math.floor(p.attempts)) : DEFAULT_RETRY.attempts;
  const baseMs = Number.isFinite(p.baseMs) ? Math.max(0, p.baseMs) : DEFAULT_RETRY.baseMs;
  const maxMs = Number.isFinite(p.maxMs) ? Math.max(0, p.maxMs) : DEFAULT_RETRY.maxMs;
  return { attempts, baseMs, maxMs };
}

export function backoffMs(attempt, retryAfter, policy = DEFAULT_RETRY, random = Math.random) {
  if (retryAfter) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
    if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, policy.maxMs * 3);
  }
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const exhausted = new WeakSet();

/**
 * Marks the error an operation throws once its own attempts are used up (a request sent with
 * retries, the token fetch): an operation around it (a manifest fetch, a blob download that
 * needed a token) does not retry it again, so attempts never multiply.
 */
export function attemptsUsedUp(error) {
  exhausted.add(error);
  return error;
}

/** Whether a thrown error is a transport failure worth another attempt. */
export function isRetryableError(e) {
  if (exhausted.has(e)) return false;
  return !(e instanceof IrelError) || e.code === 'NETWORK_ERROR';
}

/**
 * The retries of one operation. After each failed attempt call `again({ error })` (it threw) or
 * `again({ response })` (it answered): false means report this failure (not retryable, or the
 * attempts are used up; a response is left unread for the error); true means the response was
 * drained and the backoff waited: try again.
 */
export class Retry {
  #policy;
  #signal;
  #isRetryableStatus;
  /** Failures counted so far. */
  failures = 0;

  /** policy: the `retry` option; core: for isRetryableStatus; signal: stops the waiting. */
  #onWait;

  /** onWait({ ms, status }): told of each wait before it starts (progress shows rate-limit waits). */
  constructor(policy, { core, signal, onWait } = {}) {
    this.#policy = retryPolicy(policy);
    this.#signal = signal;
    this.#onWait = onWait;
    this.#isRetryableStatus = (status) => core.isRetryableStatus(status);
  }

  get attempts() {
    return this.#policy.attempts;
  }

  async again({ error, response } = {}) {
    if (this.#signal?.aborted) throw this.#signal.reason;
    if (response ? !this.#isRetryableStatus(response.status) : !isRetryableError(error)) return false;
    if (++this.failures >= this.#policy.attempts) return false;
    const retryAfter = response?.header('Retry-After') ?? null;
    if (response) await response.drain();
    const ms = backoffMs(this.failures - 1, retryAfter, this.#policy);
    this.#onWait?.({ ms, status: response?.status ?? 0 });
    await sleep(ms, this.#signal);
    return true;
  }
}
