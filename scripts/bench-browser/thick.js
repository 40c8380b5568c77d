// The thick benchmark page's script (a file, not inline: the app's Content-Security-Policy applies).
const q = new URLSearchParams(location.search);
const out = document.getElementById('out');
const worker = new Worker('../wasm/js/worker.js', { type: 'module' });
const report = (body) => fetch(q.get('report'), { method: 'POST', mode: 'no-cors', body: JSON.stringify(body) });
const ready = new Promise((ok) => worker.addEventListener('message', ({ data }) => data.type === 'ready' && ok()));

function run(id, op, args) {
  return new Promise((ok, fail) => {
    worker.addEventListener('message', ({ data: d }) => {
      if (d.id !== id) return;
      if (d.type === 'result') ok(d.result);
      if (d.type === 'error') fail(new Error(`${d.error.code}: ${d.error.message}`));
    });
    worker.postMessage({ id, op, args });
  });
}

document.getElementById('bundle').addEventListener('change', async (ev) => {
  const file = ev.target.files[0];
  await ready;
  try {
    const t0 = performance.now();
    const r = await run(1, 'relocate', { bundle: { file }, prefix: q.get('prefix'), proxyBase: `${location.origin}/proxy` });
    const seconds = (performance.now() - t0) / 1000;
    const memory = await run(2, 'memory', {});
    out.textContent = `${r.images.length} images in ${seconds.toFixed(2)} s`;
    report({ seconds, images: r.images.length, ...memory });
  } catch (e) {
    out.textContent = e.message;
    report({ error: e.message });
  }
});
