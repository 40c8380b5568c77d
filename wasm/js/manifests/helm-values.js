// Images in Helm values by the conventions charts follow:
//   image: "repo:tag"                                   one string
//   image: { registry, repository, tag, digest }        Bitnami and most charts (tag empty: the
//                                                       chart's appVersion, as `helm create` and
//                                                       Bitnami's common chart render it)
//   image: { registry, image, tag, digest }             ingress-nginx (`repository` overrides)
//   image: { repository, tag, sha }                     Grafana, Prometheus: sha is the hex alone
//   global.imageRegistry                                replaces every registry (Bitnami)
// under any key named `image` or ending in `Image` (initImage, kubectlImage), or any map with both
// `registry` and `repository`. A sub-chart's values come from the parent's section for it first,
// then its own values.yaml; globals from the outermost chart first. Each field is found where the
// value the chart renders actually is, so a rewrite edits that place.

// Keys whose value is an image by convention.
const IMAGE_KEY = /^image$|Image$/;
const REPOSITORY_KEYS = ['repository', 'image', 'name'];

/**
 * The ways a chart is used: the top chart once, a sub-chart once per key its parent gives it (an
 * alias each). Each instance reads values through layers, outermost first: [{ yf, entry, base }].
 * parse(file) -> the parsed file (yaml-file.js), cached by the caller.
 */
export function chartInstances(model, charts, parse) {
  const ownLayer = (chart) => {
    if (!chart.values) return [];
    const yf = parse(chart.values);
    const entry = yf.docs.find((d) => d.contents) ?? yf.docs[0];
    return entry && !entry.error ? [{ yf, entry, base: [] }] : [];
  };
  const build = (chart, parent, key) => {
    const own = ownLayer(chart);
    const instance = {
      chart,
      name: parent ? `${parent.name}/${key}` : chart.name,
      keyPath: parent ? [...parent.keyPath, key] : [],
      layers: [...(parent ? parent.layers.map((l) => ({ ...l, base: [...l.base, key] })) : []), ...own],
      // Globals: the parent's, then this chart's own (Helm copies the parent's over the child's).
      globalLayers: [...(parent ? parent.globalLayers : []), ...own],
      children: [],
    };
    for (const child of chart.children) {
      for (const k of child.keys) instance.children.push(build(child, instance, k));
    }
    return instance;
  };
  return charts.filter((c) => !c.parent).map((c) => build(c, null, null));
}

/** Every instance of a tree, parents first. */
export function allInstances(tops) {
  const out = [];
  const add = (i) => {
    out.push(i);
    i.children.forEach(add);
  };
  tops.forEach(add);
  return out;
}

/** A values text (not in a chart) as an instance of its own: one layer, no sub-charts. */
export function standaloneInstance(yf, entry, name = '') {
  const layers = [{ yf, entry, base: [] }];
  return { chart: null, name, keyPath: [], layers, globalLayers: layers, children: [] };
}

/** The field (yaml-file.js field, with `writable`) at `segments` as the instance sees it, or null. */
export function lookup(model, instance, segments, layers = instance.layers) {
  for (const layer of layers) {
    const full = [...layer.base, ...segments];
    const parentNode = model.getIn(layer.entry.contents, full.slice(0, -1), layer.entry.doc);
    const last = full[full.length - 1];
    let raw;
    if (typeof last === 'number') raw = model.Y.isSeq(parentNode) ? parentNode.items[last] : undefined;
    else raw = model.get(parentNode, last, layer.entry.doc)?.raw;
    if (raw === undefined || raw === null) continue;
    const f = model.field(layer.yf, layer.entry, raw, full);
    // A null in an outer layer does not hide the chart's own default.
    if (f && f.value === null && layer !== layers[layers.length - 1]) continue;
    return f ? { ...f, writable: layer.yf.writable !== false } : null;
  }
  return null;
}

/** The first of `names` that has a value, as a field. */
function firstField(model, instance, at, names) {
  for (const n of names) {
    const f = lookup(model, instance, [...at, n]);
    if (f && f.value) return { ...f, key: n };
  }
  return null;
}

/**
 * The split fields of the image map at `at`: { repository, registry?, tag?, digest?, global? }
 * (digest may be a `sha` field: digestFormat 'hex'), or null without a repository.
 */
export function splitFields(model, instance, at) {
  const repository = firstField(model, instance, at, REPOSITORY_KEYS);
  if (!repository) return null;
  const fields = { repository };
  const registry = lookup(model, instance, [...at, 'registry']);
  if (registry) fields.registry = registry;
  const tag = lookup(model, instance, [...at, 'tag']);
  if (tag) fields.tag = tag;
  const digest = lookup(model, instance, [...at, 'digest']);
  const sha = lookup(model, instance, [...at, 'sha']);
  if (digest) fields.digest = digest;
  else if (sha) fields.digest = { ...sha, digestFormat: 'hex' };
  const global = globalRegistry(model, instance);
  if (global) fields.global = global;
  return fields;
}

/** global.imageRegistry as the instance sees it, when set. */
export function globalRegistry(model, instance) {
  const global = lookup(model, instance, ['global', 'imageRegistry'], instance.globalLayers);
  return global?.value ? global : null;
}

// The image sites under `node` (a values subtree), paths relative to it: [{ at, form }].
function sites(model, node, doc, skipKeys, at = [], out = []) {
  const { Y } = model;
  if (Y.isMap(node)) {
    for (const e of model.entries(node, doc)) {
      if (at.length === 0 && skipKeys.has(e.key)) continue;
      const here = [...at, e.key];
      if (IMAGE_KEY.test(e.key) && Y.isScalar(e.value)) {
        if (plausibleImage(e.key, model.scalarValue(e.value))) out.push({ at: here, form: 'ref' });
      }
      else if (Y.isMap(e.value) && isImageMap(model, e.value, doc, IMAGE_KEY.test(e.key))) out.push({ at: here, form: 'split' });
      else sites(model, e.value, doc, skipKeys, here, out);
    }
  } else if (Y.isSeq(node)) {
    node.items.forEach((item, i) => sites(model, model.resolve(item, doc), doc, skipKeys, [...at, i], out));
  }
  return out;
}

// `image:` is an image whatever it holds (an empty one is reported); `useCustomImage: true` or
// `sidecarImage: 2` is a switch or a count, not an image: other keys need a path or a tag.
const NOT_IMAGE = /^(true|false|yes|no|on|off|y|n|\d+(\.\d+)?)$/i;

function plausibleImage(key, value) {
  if (value === null) return key === 'image';
  if (NOT_IMAGE.test(value)) return false;
  return key === 'image' || /[/:]/.test(value);
}

function isImageMap(model, map, doc, imageKey) {
  const keys = new Set(model.entries(map, doc).filter((e) => model.Y.isScalar(e.value)).map((e) => e.key));
  if (keys.has('registry') && keys.has('repository')) return true;
  return imageKey && REPOSITORY_KEYS.some((k) => keys.has(k));
}

/**
 * Candidates of one chart instance by convention: [{ source: 'values', chart, at, fields,
 * defaultTag? }], `at` the image's path in the instance's values.
 */
export function valuesImages(model, instance) {
  const childKeys = new Set(instance.children.map((c) => c.keyPath[c.keyPath.length - 1]));
  const found = new Map();
  for (const layer of instance.layers) {
    const subtree = model.getIn(layer.entry.contents, layer.base, layer.entry.doc);
    for (const s of sites(model, subtree, layer.entry.doc, childKeys)) {
      const key = JSON.stringify(s.at);
      if (!found.has(key)) found.set(key, s);
    }
  }
  const out = [];
  for (const s of found.values()) {
    const candidate = { source: 'values', chart: instance.name, at: s.at };
    if (s.form === 'ref') {
      const ref = lookup(model, instance, s.at);
      if (!ref) continue;
      out.push({ ...candidate, fields: { ref } });
    } else {
      const fields = splitFields(model, instance, s.at);
      if (!fields) continue;
      out.push({ ...candidate, fields, defaultTag: defaultTag(instance) });
    }
  }
  return out;
}

/** The tag an image map without one renders with: the chart's appVersion. */
export function defaultTag(instance) {
  const v = instance.chart?.appVersion;
  return v ? { value: v, from: 'appVersion' } : null;
}
