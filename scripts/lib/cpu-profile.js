// A V8 CPU profile of a page's dedicated worker over the DevTools protocol (chromium-pipe.js),
// summed by function: where a worker's seconds go, for benchmarks (BENCH_THICK_PROFILE=1).

/** Attaches to the page's workers and starts the profiler in each; returns stop() -> summary rows. */
export async function profileWorkers(chromium, pageSession) {
  const sessions = [];
  const attached = new Promise((ok) => chromium.on((msg) => {
    if (msg.method !== 'Target.attachedToTarget' || msg.params.targetInfo.type !== 'worker') return;
    sessions.push(msg.params.sessionId);
    ok();
  }));
  await chromium.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true }, pageSession);
  await attached;
  for (const s of sessions) {
    await chromium.send('Profiler.enable', {}, s);
    await chromium.send('Profiler.setSamplingInterval', { interval: 500 }, s);
    await chromium.send('Profiler.start', {}, s);
  }
  return async () => {
    const rows = new Map();
    for (const s of sessions) {
      const { profile } = await chromium.send('Profiler.stop', {}, s);
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const dt = profile.timeDeltas;
      for (let i = 0; i < profile.samples.length; i++) {
        const { callFrame: f } = byId.get(profile.samples[i]);
        const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}${f.url ? `:${f.lineNumber + 1}` : ''}`;
        rows.set(key, (rows.get(key) ?? 0) + (dt[i] ?? 0) / 1e6);
      }
    }
    return [...rows].sort((a, b) => b[1] - a[1]);
  };
}
