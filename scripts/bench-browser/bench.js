// The benchmark page's script (a file, not inline: the app's Content-Security-Policy applies).
const q = new URLSearchParams(location.search);
const out = document.getElementById('out');
const worker = new Worker('../wasm/js/worker.js', { type: 'module' });
// A no-cors POST to the benchmark's sink, allowed by the page's connect-src (--connect-origin).
const report = (body) => fetch(q.get('report'), { method: 'POST', mode: 'no-cors', body: JSON.stringify(body) });
worker.addEventListener('message', ({ data }) => {
  if (data.type === 'ready') {
    const t0 = performance.now();
    worker.addEventListener('message', ({ data: d }) => {
      if (d.id !== 1 || (d.type !== 'result' && d.type !== 'error')) return;
      const seconds = (performance.now() - t0) / 1000;
      out.textContent = d.type === 'result' ? `${d.result.digest} in ${seconds.toFixed(2)} s` : d.error.message;
      report(d.type === 'result' ? { seconds, digest: d.result.digest } : { error: d.error.message });
    });
    worker.postMessage({ id: 1, op: 'copy', args: { src: q.get('src'), dst: q.get('dst'), proxyBase: `${location.origin}/proxy`,
      jobs: Number(q.get('jobs')) || undefined } });
  }
});
