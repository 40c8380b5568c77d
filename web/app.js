// The page uses only the package's public API (wasm/js/index.js).
import { load } from '../wasm/js/index.js';

const $ = (id) => document.getElementById(id);
const prefixInput = $('prefix');
const refsInput = $('refs');
const prefixError = $('prefix-error');
const body = document.querySelector('#preview tbody');
const summary = $('summary');

function cell(row, text) {
  const td = row.insertCell();
  td.textContent = text;
  return td;
}

function render(irel) {
  const prefix = prefixInput.value.trim();
  const refs = refsInput.value.split('\n').map((l) => l.trim()).filter(Boolean);
  const checked = irel.checkPrefix(prefix);
  prefixInput.setAttribute('aria-invalid', String(!checked.ok));
  prefixError.hidden = checked.ok;
  prefixError.textContent = checked.ok ? '' : checked.error.message;

  body.replaceChildren();
  let invalid = 0;
  for (const ref of refs) {
    const row = body.insertRow();
    cell(row, ref);
    if (!checked.ok) {
      cell(row, '—');
      continue;
    }
    const r = irel.map(prefix, ref);
    if (r.ok) {
      cell(row, r.output);
    } else {
      invalid++;
      row.className = 'invalid';
      cell(row, r.error.message);
    }
  }
  summary.textContent = `${refs.length} reference${refs.length === 1 ? '' : 's'}` +
    (invalid ? `, ${invalid} invalid` : '');
}

load().then((irel) => {
  $('version').textContent = `irel ${irel.version}`;
  const update = () => render(irel);
  prefixInput.addEventListener('input', update);
  refsInput.addEventListener('input', update);
  update();
  document.body.dataset.ready = 'true';
}).catch((e) => {
  summary.textContent = `Could not load irel: ${e.message}`;
});
