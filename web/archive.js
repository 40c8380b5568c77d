// "Archive" for image archives: a `docker save` tarball (Docker 25+: an OCI layout inside) or an
// OCI archive (skopeo's oci-archive:, crane pull --format=oci), i.e. an archive without
// bundle.json. thick.js opens every archive; when it has no bundle.json, describe() lists its
// images here (the worker's describeArchive: every blob verified), the user chooses each image's
// target (a prefix, mapped as bundles are mapped, or a reference typed in the image's row), and
// archive-push.js pushes them.
import { formatBytes, plural } from './format.js';
import { addReferrerRows } from './referrer-rows.js';
import { $, cell, digestCell } from './render.js';
import { pushArchive } from './archive-push.js';

const KINDS = {
  'docker-save': 'a docker save tarball',
  'docker-save-legacy': 'a docker save tarball of Docker 24 or older (its images are converted, with new digests)',
  'oci-archive': 'an OCI archive',
};

/** What the events and results of the worker call an image: its name, or its digest when it has none. */
export const imageKey = (img) => img.image || img.digest;

/**
 * setupArchive(app, connection, panel, { defaultPrefix(), busy(running) }) -> { describe(file,
 * { signal, onProgress }), reset(), failed(), update(running), kindText(kind) }. panel: the
 * Archive panel's state (thick.js: file, job, token), shared with the bundle flow.
 */
export function setupArchive(app, connection, panel, { defaultPrefix, busy }) {
  const worker = app.workers.thick;
  const prefixInput = $('archive-prefix');
  const body = document.querySelector('#archive-images tbody');
  const state = {
    described: null, // { kind, images } of the worker's describeArchive
    rows: [], // [{ img, input, hint, row, mapName, include }] per image, in the archive's order
    targets: [], // [{ target } | { error }] per row, as update() last computed them
  };

  const mappable = (name) => Boolean(name) && (name.includes('/') || name.includes(':')) && app.irel?.parse(name).ok;

  function reset() {
    state.described = null;
    state.rows = [];
    state.targets = [];
    body.replaceChildren();
    for (const id of ['archive-report', 'archive-progress', 'archive-result']) $(id).hidden = true;
  }

  /** Each row's target: typed (used as typed, :latest when it names no tag or digest), else mapped under the prefix. */
  function computeTargets() {
    const prefix = prefixInput.value.trim();
    const prefixOk = Boolean(app.irel?.checkPrefix(prefix).ok);
    const out = state.rows.map(({ img, input, mapName, include }) => {
      if (!include.checked) return { skipped: true };
      const typed = input.value.trim();
      if (typed) {
        const r = app.irel.parse(typed);
        if (!r.ok) return { error: r.error.message };
        const { string, tag, digest } = r.reference;
        return { target: tag || digest ? string : `${string}:latest`, typed: true };
      }
      if (!mapName) {
        return { error: img.image ? `the archive names it only "${img.image}", not a repository: type its target`
          : 'the archive gives it no name: type its target' };
      }
      if (!prefixOk) return { error: 'enter a prefix above, or type its target' };
      const m = app.irel.map(prefix, mapName);
      return m.ok ? { target: m.output } : { error: m.error.message };
    });
    const count = new Map();
    for (const t of out) if (t.target) count.set(t.target, (count.get(t.target) ?? 0) + 1);
    return out.map((t) => (t.target && count.get(t.target) > 1 ? { error: `another image of the archive goes to ${t.target} too` } : t));
  }

  /** Hints, validity and the buttons, from the prefix and what is typed in each row. */
  function update(running = Boolean(panel.job)) {
    const prefix = prefixInput.value.trim();
    const checked = app.irel?.checkPrefix(prefix);
    const prefixBad = Boolean(checked && !checked.ok && prefix !== '');
    prefixInput.setAttribute('aria-invalid', String(prefixBad));
    const err = $('archive-prefix-error');
    err.hidden = !prefixBad;
    err.textContent = prefixBad ? checked.error.message : '';
    state.targets = state.described ? computeTargets() : [];
    state.rows.forEach(({ input, hint, row, mapName, include }, n) => {
      const t = state.targets[n];
      row.classList.toggle('skipped', Boolean(t.skipped));
      input.disabled = Boolean(t.skipped) || (running && Boolean(panel.job?.relocating));
      include.disabled = running && Boolean(panel.job?.relocating);
      if (t.skipped) {
        input.setAttribute('aria-invalid', 'false');
        hint.textContent = 'not pushed';
        hint.className = 'hint muted';
        row.dataset.target = '';
        return;
      }
      input.setAttribute('aria-invalid', String(Boolean(t.error) && (input.value.trim() !== '' || !mapName || prefix !== '')));
      input.placeholder = !input.value.trim() && t.target ? t.target : 'registry.example.com/repository:tag';
      hint.textContent = t.error ?? `pushed as ${t.target}${t.typed ? '' : ' (mapped under the prefix)'}`;
      hint.className = t.error ? 'hint bad' : 'hint mono';
      row.dataset.target = t.target ?? '';
    });
    const relocating = running && Boolean(panel.job?.relocating);
    $('archive-push').disabled = running || !state.described || state.targets.some((t) => t.error) || state.targets.every((t) => t.skipped);
    $('archive-cancel').disabled = !running;
    prefixInput.disabled = relocating;
  }

  function renderImages() {
    body.replaceChildren();
    state.rows = [];
    for (const img of state.described.images) {
      const row = body.insertRow();
      row.dataset.index = String(img.index);
      const label = img.image || `image ${img.index + 1} (no name)`;
      const nameCell = cell(row, img.image || '(no name)', { cls: img.image ? 'mono' : 'muted', title: img.names.join('\n') || img.digest });
      const others = img.names.filter((n) => n !== img.image);
      if (others.length) {
        const also = document.createElement('div');
        also.className = 'hint';
        also.textContent = `also named ${others.join(', ')}`;
        nameCell.append(also);
      }
      digestCell(row, img.digest);
      cell(row, img.platforms.join(', ') || '—', { cls: 'platforms' });
      cell(row, formatBytes(img.size), { cls: 'num' });
      cell(row, '✓ verified', { cls: 'ok' }).dataset.verified = 'true';
      // The target: typed here, or mapped under the prefix.
      const td = cell(row, '', { cls: 'target' });
      const id = `archive-target-${img.index}`;
      const lab = document.createElement('label');
      lab.htmlFor = id;
      lab.className = 'visually-hidden';
      lab.textContent = `Target of ${label}`;
      const input = document.createElement('input');
      Object.assign(input, { id, type: 'text', spellcheck: false, autocomplete: 'off' });
      const mapName = [img.image, ...img.names].find(mappable) ?? '';
      input.required = !mapName;
      const hint = document.createElement('p');
      hint.id = `${id}-hint`;
      input.setAttribute('aria-describedby', hint.id);
      input.addEventListener('input', () => update());
      // Every image is pushed unless unticked here.
      const include = document.createElement('input');
      Object.assign(include, { id: `${id}-push`, type: 'checkbox', checked: true });
      const includeLabel = document.createElement('label');
      includeLabel.htmlFor = include.id;
      includeLabel.className = 'push-choice';
      includeLabel.append(include, ' push');
      include.setAttribute('aria-label', `Push ${label}`);
      include.addEventListener('change', () => update());
      td.append(includeLabel, lab, input, hint);
      state.rows.push({ img, input, hint, row, mapName, include });
      // Its signatures, attestations and SBOMs, each a row under it: they travel with it.
      addReferrerRows(body, img.referrers, (sub) => cell(sub, 'pushed beside its image', { cls: 'muted' }));
    }
    const { images } = state.described;
    const referrers = images.reduce((k, i) => k + (i.referrers?.length ?? 0), 0);
    const bytes = images.reduce((s, i) => s + i.size + (i.referrers ?? []).reduce((t, r) => t + r.size, 0), 0);
    $('archive-images-summary').textContent = `${plural(images.length, 'image')}` +
      `${referrers ? ` and ${plural(referrers, 'referrer')} (signatures, attestations, SBOMs)` : ''}, every blob verified against its digest (${formatBytes(bytes)}).`;
  }

  const kindText = (kind) => KINDS[kind] ?? `an image archive (${kind})`;

  /** Lists the images of `file` (verified in the worker); resolves the description, or null when another file was opened meanwhile. */
  async function describe(file, { signal, onProgress }) {
    const token = panel.token;
    reset();
    $('archive-title').textContent = `Images in ${file.name}`;
    $('archive-images-summary').textContent = 'Verifying every blob…';
    if (!prefixInput.value.trim() && app.irel?.checkPrefix(defaultPrefix()).ok) prefixInput.value = defaultPrefix();
    $('archive-report').hidden = false;
    const { jobs: _jobs, ...args } = connection.registryArgs();
    const described = await worker.run('describeArchive', { file, ...args }, { signal, onProgress });
    if (token !== panel.token) return null;
    state.described = described;
    $('archive-title').textContent = `Images in ${file.name}, ${kindText(described.kind)}`;
    renderImages();
    update();
    return described;
  }

  /** The archive could not be read or verified (or the reading was cancelled): there is nothing to push. */
  function failed() {
    reset();
  }

  /** [{ index, target }] of every image ticked, or null (the first row needing a target is focused). */
  function picks() {
    update();
    const bad = state.targets.findIndex((t) => t.error);
    if (bad >= 0) {
      state.rows[bad].input.focus();
      return null;
    }
    return state.rows.flatMap(({ img }, n) => (state.targets[n].skipped ? [] : [{ index: img.index, target: state.targets[n].target }]));
  }

  prefixInput.addEventListener('input', () => update());
  $('archive-push').addEventListener('click', () => pushArchive(app, connection, panel, { described: state.described, picks }, busy));
  $('archive-cancel').addEventListener('click', () => {
    $('thick-status').textContent = 'Cancelling…';
    panel.job?.abort();
  });
  return { describe, reset, failed, update, kindText };
}
