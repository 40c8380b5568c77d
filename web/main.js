// The irel web page. It uses only the package's public API: the core on the main thread
// (../wasm/js/index.js) for instant previews, and the package's worker through its client
// (../wasm/js/worker-client.js) for everything long: registry lookups, copies, reading and
// verifying thick bundles, checks. One file per flow; this one wires them together.
import { load } from '../wasm/js/index.js';
import { WorkerClient } from '../wasm/js/worker-client.js';
import { setupCheck } from './check.js';
import { setupConnection } from './connection.js';
import { setupManifests } from './manifests.js';
import { setupRelocate } from './relocate.js';
import { $, showError } from './render.js';
import { setupThick } from './thick.js';

// Tabs (ARIA tabs pattern: arrow keys, Home, End)
const tabs = [...document.querySelectorAll('[role="tab"]')];
const tabName = (tab) => tab.id.replace(/^tab-/, '');

function selectTab(name, { focus = false } = {}) {
  const tab = tabs.find((t) => tabName(t) === name) ?? tabs[0];
  for (const t of tabs) {
    const selected = t === tab;
    t.setAttribute('aria-selected', String(selected));
    t.tabIndex = selected ? 0 : -1;
    $(t.getAttribute('aria-controls')).hidden = !selected;
  }
  if (focus) tab.focus();
  if (location.hash !== `#${tabName(tab)}`) history.replaceState(null, '', `#${tabName(tab)}`);
}

for (const tab of tabs) {
  tab.addEventListener('click', () => selectTab(tabName(tab)));
  tab.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(tab);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    selectTab(tabName(tabs[(to + tabs.length) % tabs.length]), { focus: true });
  });
}
selectTab(location.hash.slice(1) || 'relocate');
window.addEventListener('hashchange', () => selectTab(location.hash.slice(1) || 'relocate'));

// One worker per panel, so cancelling in one never disturbs another.
const app = {
  irel: null, // the main-thread core, once loaded
  workers: { relocate: new WorkerClient(), thick: new WorkerClient(), check: new WorkerClient(), manifests: new WorkerClient() },
};
app.workers.relocate.ready.then(() => {
  document.body.dataset.workerReady = 'true';
}, (e) => showError($('relocate-error'), e, 'The worker could not start:'));

// The flows reach one another through these callbacks (a file dropped on the wrong panel, the
// thick bundle's mapping handed to the check).
let relocate;
let thick;
const connection = setupConnection(app, { onProxyChange: () => relocate.renderPreview() });
const check = setupCheck(app, connection);
relocate = setupRelocate(app, connection, {
  openArchive: (file) => {
    selectTab('thick', { focus: true });
    thick.open(file);
  },
  onPrefixInput: () => thick.renderMapping(),
});
thick = setupThick(app, connection, {
  defaultPrefix: () => relocate.prefix(),
  openBundleJson: (file) => {
    selectTab('relocate', { focus: true });
    relocate.loadBundleJson(file);
  },
  toCheck: (bundle, mappingJson) => {
    check.setBundle(bundle);
    check.setMapping(mappingJson, 'the mapping just written');
    selectTab('check', { focus: true });
  },
});

const manifests = setupManifests(app, connection, { defaultPrefix: () => relocate.prefix() });

load().then((irel) => {
  app.irel = irel;
  $('version').textContent = `irel ${irel.version}`;
  relocate.renderPreview();
  manifests.renderFound();
  document.body.dataset.ready = 'true';
}).catch((e) => {
  $('summary').textContent = `Could not load irel: ${e.message}`;
  showError($('relocate-error'), e, 'Could not load irel:');
});
