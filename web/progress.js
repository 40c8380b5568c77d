// Progress bars for relocations: a card per image (or per pass over an archive) with its overall
// bar, and a bar per layer, each with bytes, rate and time left; under it, the image's referrers
// (signatures, attestations, SBOMs), each an item of its own: copying, copied or not copied (why).
import { RateMeter, formatBytes, plural, progressText, shortDigest } from './format.js';
import { referrerKind } from './referrer-kind.js';

const STATES = {
  started: 'starting',
  uploading: 'uploading',
  uploaded: 'uploaded',
  mounted: 'mounted from another repository',
  exists: 'already in the target registry',
  foreign: 'foreign layer, not copied',
};

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

let uid = 0;

/** One labelled bar: label, <progress>, and a line of text. */
export class Bar {
  constructor(parent, label, { cls = '' } = {}) {
    const id = `bar-${++uid}`;
    this.meter = new RateMeter();
    this.labelEl = el('label', { for: id, class: 'bar-label', text: label });
    this.progress = el('progress', { id, max: '1', value: '0' });
    this.meta = el('span', { class: 'meta' });
    this.root = el('div', { class: `bar ${cls}`.trim() }, this.labelEl, this.progress, this.meta);
    parent.append(this.root);
    this.total = 0;
    this.done = 0;
  }

  set(done, total, note = '') {
    this.done = done;
    this.total = total;
    this.meter.add(done);
    this.progress.max = Math.max(1, total);
    this.progress.value = Math.min(done, total);
    this.meta.textContent = progressText(done, total, this.meter) + (note ? ` · ${note}` : '');
  }

  /** Stopped before the end (cancelled, failed): bytes only, and why. */
  stop(why) {
    this.meta.textContent = this.total ? `${formatBytes(this.done)} of ${formatBytes(this.total)} · ${why}` : why;
    this.state(why);
  }

  note(text) {
    this.meta.textContent = text;
  }

  state(kind) {
    this.root.dataset.state = kind;
  }
}

/** A card for one image (or one archive pass): an overall bar, a status line, layer bars and referrers. */
export class Group {
  #layers = new Map(); // digest -> { bar, size, done, state }
  #total = 0;
  #referrers = new Map(); // `${subject} ${digest}` -> { item, phase }
  #referrersEl = null;

  constructor(parent, title, { subtitle = '', mono = true } = {}) {
    this.title = title;
    this.heading = el('h4', { text: title, class: mono ? 'mono' : '' });
    this.sub = el('p', { class: 'muted mono', text: subtitle });
    this.status = el('p', { class: 'group-status', text: 'waiting' });
    this.layersEl = el('div', { class: 'layers' });
    this.root = el('article', { class: 'group' }, this.heading);
    if (subtitle) this.root.append(this.sub);
    this.root.append(this.status);
    this.overall = new Bar(this.root, `${title}: all layers`, { cls: 'overall' });
    this.overall.labelEl.classList.add('visually-hidden');
    this.root.append(this.layersEl);
    parent.append(this.root);
  }

  setStatus(text, kind = '') {
    this.status.textContent = text;
    this.root.dataset.state = kind;
  }

  plan(bytes, blobs) {
    this.#total = bytes;
    this.setStatus(`copying ${blobs} blob${blobs === 1 ? '' : 's'} (${formatBytes(bytes)})`, 'running');
    this.#update();
  }

  blob(e) {
    let layer = this.#layers.get(e.digest);
    if (!layer) {
      const bar = new Bar(this.layersEl, `Blob ${shortDigest(e.digest)}`, { cls: 'layer' });
      bar.labelEl.title = e.digest;
      layer = { bar, size: e.size, done: 0, state: e.state };
      this.#layers.set(e.digest, layer);
    }
    layer.state = e.state;
    layer.size = e.size;
    layer.done = e.state === 'exists' || e.state === 'mounted' || e.state === 'uploaded' ? e.size : e.done;
    layer.bar.set(layer.done, layer.size, STATES[e.state] ?? e.state);
    layer.bar.state(e.state);
    this.#update();
  }

  /** A referrer event ({ phase: 'started' | 'done' | 'failed', digest, subject, artifactType, tag?, error? }). */
  referrer(e) {
    if (!this.#referrersEl) {
      this.#referrersEl = el('ul', { class: 'referrers', 'aria-label': `Referrers of ${this.title}` });
      this.root.append(this.#referrersEl);
    }
    const key = `${e.subject} ${e.digest}`;
    let r = this.#referrers.get(key);
    if (!r) {
      r = { item: el('li', { 'data-referrer': e.digest, title: `${e.digest} (${e.artifactType || 'no artifact type'}) of ${e.subject}` }), phase: '' };
      this.#referrers.set(key, r);
      this.#referrersEl.append(r.item);
    }
    r.phase = e.phase;
    r.item.dataset.state = e.phase;
    const what = `${referrerKind(e.artifactType, e.tag)} ${shortDigest(e.digest)} of ${shortDigest(e.subject)}`;
    r.item.textContent = e.phase === 'started' ? `${what}: copying…`
      : e.phase === 'done' ? `${what}: copied${e.tag ? ` as tag ${e.tag}` : ''}`
        : `${what}: not copied: ${e.error?.code ?? 'ERROR'}: ${e.error?.message ?? ''}`;
    if (e.phase === 'started') this.setStatus('copying signatures, attestations and SBOMs', 'running');
  }

  /** "2 referrers copied, 1 not copied", or '' when the image had none. */
  referrersText() {
    const phases = [...this.#referrers.values()].map((r) => r.phase);
    if (!phases.length) return '';
    const failed = phases.filter((p) => p === 'failed').length;
    return `${plural(phases.filter((p) => p === 'done').length, 'referrer')} copied${failed ? `, ${failed} not copied` : ''}`;
  }

  #update() {
    let done = 0;
    for (const l of this.#layers.values()) done += l.done;
    const total = Math.max(this.#total, done);
    this.overall.set(done, total);
  }

  finish(text, kind = 'done') {
    this.setStatus(text, kind);
    if (kind === 'done') {
      const t = Math.max(this.#total, this.overall.done);
      this.overall.set(t, t);
      return;
    }
    // Stopped: no rate or time left any more.
    this.overall.stop(kind);
    for (const l of this.#layers.values()) if (l.done < l.size) l.bar.stop(kind);
  }
}

/** The progress area of a panel: a headline bar and groups. */
export class ProgressView {
  constructor(container) {
    this.container = container;
  }

  reset(title) {
    this.container.replaceChildren();
    this.container.hidden = false;
    if (title) this.container.append(el('h3', { text: title }));
    this.groups = new Map();
  }

  bar(label, cls = 'headline') {
    return new Bar(this.container, label, { cls });
  }

  group(key, title, options) {
    let g = this.groups.get(key);
    if (!g) {
      g = new Group(this.container, title, options);
      this.groups.set(key, g);
    }
    return g;
  }
}
