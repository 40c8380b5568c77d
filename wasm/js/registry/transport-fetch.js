// The transport for browsers and workers: the platform's fetch. Redirects are followed by fetch
// itself (which drops Authorization across origins). `baseUrl` reroutes every request through a
// forwarding proxy: https://host/path -> BASE/host/path (plain http for loopback registries is
// the proxy's decision).
export function createFetchTransport({ fetch: fetchImpl = globalThis.fetch, proxyBase } = {}) {
  const base = proxyBase?.replace(/\/$/, '');
  const route = (url) => {
    // URLs the proxy already rewrote (upload Locations) go to it as they are.
    if (!base || url.startsWith(`${base}/`)) return url;
    const u = new URL(url);
    return `${base}/${u.host}${u.pathname}${u.search}`;
  };
  return {
    async send({ method, url, headers, body, signal }) {
      // 'omit': a registry's Basic challenge must reach our code, not open the browser's login dialog.
      const init = { method, headers, signal, redirect: 'follow', credentials: 'omit' };
      if (body) init.body = body;
      const res = await fetchImpl(route(url), init);
      return wrapFetchResponse(res);
    },
  };
}

function wrapFetchResponse(res) {
  return {
    status: res.status,
    url: res.url,
    header: (name) => res.headers.get(name) ?? '',
    headerPairs: () => [...res.headers.entries()],
    async *chunks() {
      if (!res.body) return;
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
    async bytes(limit = Infinity) {
      const buf = new Uint8Array(await res.arrayBuffer());
      if (buf.length > limit) throw new RangeError(`response larger than ${limit} bytes`);
      return buf;
    },
    async text(limit = 1 << 16) {
      const t = await res.text();
      return t.length > limit ? t.slice(0, limit) : t;
    },
    async drain() {
      try {
        await res.body?.cancel();
      } catch {
        // already consumed or errored: nothing to release
      }
    },
  };
}
