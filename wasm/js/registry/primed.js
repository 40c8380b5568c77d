// Answers received before anyone asked: the scheme probe of a loopback or insecure registry sends
// a side's first request itself (endpoint.js), and its answer waits here until that side's client
// sends the same request (client.js), which then takes it instead of asking again. Each answer is
// taken at most once, and one nobody takes is dropped after a while (its connection freed).

const UNCLAIMED_MS = 5_000;

/** The key of a request: method, URL and Accept (the answer depends on all three). */
export function primedKey({ method, url, headers = {} }) {
  const accept = Object.entries(headers).find(([k]) => k.toLowerCase() === 'accept')?.[1] ?? '';
  return `${method} ${url}\n${accept}`;
}

export class PrimedAnswers {
  #answers = new Map(); // key -> { res, drop, timer }

  put(key, res, drop) {
    this.#answers.get(key)?.drop(this.#answers.get(key).res);
    const timer = setTimeout(() => this.#take(key)?.drop(res), UNCLAIMED_MS);
    timer.unref?.();
    this.#answers.set(key, { res, drop, timer });
  }

  /** The answer kept for `request`, or null; it is no longer kept. */
  take(request) {
    return this.#take(primedKey(request))?.res ?? null;
  }

  #take(key) {
    const a = this.#answers.get(key);
    if (!a) return null;
    this.#answers.delete(key);
    clearTimeout(a.timer);
    return a;
  }

  /** Drops every answer kept (Irel.close). */
  clear() {
    for (const key of [...this.#answers.keys()]) {
      const a = this.#take(key);
      a.drop(a.res);
    }
  }
}
