// Retry policy shared by every repeatable request: exponential backoff with full jitter, capped,
// honouring Retry-After (seconds or an HTTP date) when the registry sends one.
export const DEFAULT_RETRY = Object.freeze({ attempts: 5, baseMs: 200, maxMs: 10_000 });

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
