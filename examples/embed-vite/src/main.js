import { load } from 'irel';
import './style.css';

const $ = (selector) => document.querySelector(selector);

// Vite emits irel-core.wasm as an asset; load() fetches it from there.
const irel = await load();
$('#version').textContent = `irel ${irel.version}`;

// Mapping: recomputed on every keystroke (mapAll maps thousands of references in milliseconds).
function renderMapping() {
  const prefix = $('#prefix').value.trim();
  const refs = $('#refs').value.split('\n').map((line) => line.trim()).filter(Boolean);
  const checked = irel.checkPrefix(prefix);
  $('#prefix-error').hidden = checked.ok;
  $('#prefix-error').textContent = checked.ok ? '' : checked.error.message;
  const rows = checked.ok ? irel.mapAll(prefix, refs) : [];
  $('#mapped tbody').replaceChildren(...rows.map((r) => {
    const tr = document.createElement('tr');
    const input = document.createElement('td');
    const output = document.createElement('td');
    input.textContent = r.input;
    output.textContent = r.ok ? r.output : r.error.message;
    if (!r.ok) output.className = 'error';
    tr.append(input, output);
    return tr;
  }));
}
$('#prefix').addEventListener('input', renderMapping);
$('#refs').addEventListener('input', renderMapping);
renderMapping();

// Copying: the browser reaches the registries through the forwarding proxy (CORS).
$('#copy').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const status = $('#status');
  const progress = $('#progress');
  const done = new Map(); // blob digest -> bytes done
  let total = 0;
  const onProgress = (e) => {
    if (e.type === 'plan') total += e.bytes;
    if (e.type === 'blob') done.set(e.digest, e.done);
    const bytes = [...done.values()].reduce((a, b) => a + b, 0);
    progress.value = total ? Math.min(1, bytes / total) : 0;
    status.textContent = `${e.type}${e.state ? ` ${e.state}` : ''} · ${bytes} of ${total} bytes`;
  };

  form.querySelector('button').disabled = true;
  status.className = '';
  status.dataset.state = 'running';
  $('#digest').value = '';
  try {
    const summary = await irel.copy(form.src.value.trim(), form.dst.value.trim(), {
      proxyBase: form.proxy.value.trim(),
      onProgress,
    });
    progress.value = 1;
    $('#digest').value = summary.digest;
    const { uploaded, mounted, present } = summary.blobs;
    status.textContent = `Copied ${summary.target}: ${uploaded} blobs uploaded, ${mounted} mounted, ${present} already there`;
    status.dataset.state = 'done';
  } catch (err) {
    status.textContent = `${err.code ?? err.name}: ${err.message}`;
    status.className = 'error';
    status.dataset.state = 'error';
  } finally {
    form.querySelector('button').disabled = false;
  }
});
