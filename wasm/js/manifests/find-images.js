// Finding the image references of Kubernetes manifests and Helm charts: the files sorted into
// charts and manifests (chart-files.js), each searched by its own rules (k8s-images.js,
// helm-values.js, helm-hints.js, helm-templates.js), every value checked by the core's reference
// parser. What is found has a location (file, document, path, line); what cannot be used (an
// invalid or templated value, a file that is not YAML) is listed with the reason.
import { chartLayout } from './chart-files.js';
import { hintImages, readHints } from './helm-hints.js';
import { allInstances, chartInstances, standaloneInstance, valuesImages } from './helm-values.js';
import { templateImages } from './helm-templates.js';
import { k8sImages } from './k8s-images.js';
import { formatPath, yamlModel } from './yaml-file.js';
import { loadYaml } from './yaml-module.js';

// When two rules find the same value, the more explicit one names it.
const PRIORITY = { hints: 0, container: 1, values: 2 };
const LOCATION_ROLES = ['ref', 'name', 'repository'];
// The fields a rewrite always writes; a tag or digest is written only to pin or retag.
const NAME_ROLES = ['ref', 'name', 'repository', 'registry', 'global'];
// ${VAR} (envsubst, Flux), $(VAR) (kustomize vars): a value someone else fills in.
const PLACEHOLDER = /\$\{[^}]*\}|\$\([^)]*\)/;

/** The field a candidate is located by: the whole reference, its name, or its repository. */
export function locationField(c) {
  for (const role of LOCATION_ROLES) if (c.fields?.[role]) return c.fields[role];
  return null;
}

function pathStyle(c) {
  return c.source === 'container' ? 'k8s' : 'values';
}

/** A field as the results show it: { file, document, path, line, column, value }. */
export function fieldInfo(f, style) {
  return { file: f.yf.path, document: f.entry.index, path: formatPath(f.segments, style), line: f.line, column: f.column, value: f.value };
}

function hexDigest(f) {
  if (!f?.value) return '';
  return f.digestFormat === 'hex' && !f.value.includes(':') ? `sha256:${f.value}` : f.value;
}

/** The reference a candidate's fields spell, as the chart or manifest renders it. */
export function composeImage(c) {
  const f = c.fields;
  if (f.ref) return { image: f.ref.value ?? '' };
  const tagValue = f.tag?.value || '';
  const digest = hexDigest(f.digest);
  if (f.name) return { image: `${f.name.value ?? ''}${tagValue ? `:${tagValue}` : ''}${digest ? `@${digest}` : ''}` };
  const registry = f.global?.value || f.registry?.value || '';
  const tagFrom = !tagValue && !digest && c.defaultTag ? c.defaultTag : null;
  const tag = tagValue || tagFrom?.value || '';
  const image = `${registry ? `${registry}/` : ''}${f.repository.value ?? ''}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return { image, tagFrom: tagFrom?.from ?? null, registryFrom: f.global?.value ? 'global.imageRegistry' : null };
}

function reason(code, message) {
  return { code, message };
}

function readFiles(input, options) {
  if (typeof input === 'string') return [{ path: options.name ?? 'input.yaml', text: input }];
  if (!Array.isArray(input)) throw new TypeError('findImages: input is a YAML text or [{ path, text }]');
  return input.map((f) => {
    if (!f || typeof f.path !== 'string') throw new TypeError('findImages: each file needs a path');
    if (typeof f.text !== 'string' && !(f.bytes instanceof Uint8Array) && !f.directory) throw new TypeError(`findImages: ${f.path}: text or bytes expected`);
    return f;
  });
}

/**
 * The search both findImages and rewrite run: { model, files, found: [{ candidate, finding }],
 * skipped }. ctx: { parse(ref) (Irel.parse), readArchive?(bytes, path) -> files }.
 */
export async function scanImages(ctx, input, options = {}) {
  const files = readFiles(input, options);
  const model = yamlModel(await loadYaml(options));
  const parsedFiles = new Map();
  const skipped = [];
  const parse = (file) => {
    let yf = parsedFiles.get(file);
    if (!yf) {
      yf = model.parseFile(file);
      parsedFiles.set(file, yf);
      for (const d of yf.docs) {
        if (d.error) skipped.push({ file: file.path, document: d.index, line: d.error.line, reason: reason(d.error.code, d.error.message) });
      }
    }
    return yf;
  };
  const layout = chartLayout(model, files, { readArchive: ctx.readArchive });
  skipped.push(...layout.skipped);
  const hints = options.hints === undefined || options.hints === null ? null : readHints(model, options.hints);

  const candidates = [];
  // A hint's problems are located in the hints text (named options.hintsName).
  const hintsFile = options.hintsName ?? 'hints';
  const hintSkipped = (list, chart) => list.forEach((s) => skipped.push({ file: hintsFile, line: s.hint.line, hint: s.hint.text, ...(chart ? { chart } : {}), reason: s.reason }));
  for (const file of layout.manifests) {
    const yf = parse(file);
    candidates.push(...k8sImages(model, yf));
    // A document without a kind may be values (pasted, or beside the manifests): conventions too.
    for (const entry of yf.docs) {
      if (entry.error || !model.Y.isMap(entry.contents) || model.get(entry.contents, 'kind', entry.doc)) continue;
      const instance = standaloneInstance(yf, entry);
      candidates.push(...valuesImages(model, instance));
      if (hints && !layout.charts.length) {
        const h = hintImages(model, instance, hints);
        candidates.push(...h.candidates);
        hintSkipped(h.skipped, null);
      }
    }
  }
  const tops = chartInstances(model, layout.charts, parse);
  for (const instance of allInstances(tops)) candidates.push(...valuesImages(model, instance));
  if (hints) {
    for (const top of tops) {
      const h = hintImages(model, top, hints);
      candidates.push(...h.candidates);
      hintSkipped(h.skipped, top.name);
    }
  }
  for (const chart of layout.charts) {
    for (const file of chart.extraValues) {
      const yf = parse(file);
      const entry = yf.docs.find((d) => !d.error && d.contents);
      if (entry) candidates.push(...valuesImages(model, { ...standaloneInstance(yf, entry, chart.name), chart }));
    }
    for (const file of chart.templates) candidates.push(...templateImages(file).map((t) => ({ ...t, chart: chart.name })));
  }

  // One finding per place an image is used (an alias used twice is two), the most explicit rule's;
  // two images may share a repository value and differ by their tags.
  const byPlace = new Map();
  const at = (f) => (f ? `${f.yf.path}|${f.entry.index}|${JSON.stringify(f.segments)}` : '');
  // A value a hint names is the hint's, however the conventions would have read it.
  const hinted = new Set(candidates.filter((c) => c.source === 'hints').map((c) => `${c.chart ?? ''}|${at(locationField(c))}`));
  for (const c of candidates) {
    const f = locationField(c);
    if (c.source === 'values' && hinted.has(`${c.chart ?? ''}|${at(f)}`)) continue;
    const key = f ? `${c.chart ?? ''}|${at(f)}|${at(c.fields.tag)}|${at(c.fields.digest)}` : `${c.file}|${c.line}`;
    const had = byPlace.get(key);
    if (!had || PRIORITY[c.source] < PRIORITY[had.source]) byPlace.set(key, c);
  }
  const order = new Map(layout.order.map((path, i) => [path, i]));
  const found = [];
  for (const c of byPlace.values()) {
    const r = classify(ctx, c);
    if (r.skipped) skipped.push(r.skipped);
    else found.push({ candidate: c, finding: r.finding });
  }
  const rank = (x) => [order.get(x.file) ?? Infinity, x.document ?? 0, x.line ?? 0, x.column ?? 0];
  const compare = (a, b) => {
    const [x, y] = [rank(a), rank(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
  };
  found.sort((a, b) => compare(a.finding, b.finding));
  skipped.sort(compare);
  return { model, files, found, skipped };
}

// A candidate as a finding ({ finding }) or as a value that is no image ({ skipped }).
function classify(ctx, c) {
  if (c.source === 'template') {
    const at = { file: c.file, document: c.document, path: '', line: c.line, column: c.column, chart: c.chart };
    if (!at.chart) delete at.chart;
    if (c.templated) {
      return { skipped: { ...at, value: c.literal, reason: reason('IMAGE_TEMPLATED', `${c.file}:${c.line}: the template writes ${JSON.stringify(c.literal)}, part of it a template action`) } };
    }
    const parsed = ctx.parse(c.literal);
    if (!parsed.ok) return { skipped: { ...at, value: c.literal, reason: parsed.error } };
    return {
      finding: {
        image: c.literal, reference: parsed.reference, source: 'template', ...at, rewritable: false,
        reason: reason('IMAGE_IN_TEMPLATE', `${c.file}:${c.line}: the template writes ${c.literal} itself: edit the template (values cannot change it)`),
      },
    };
  }
  const style = pathStyle(c);
  const loc = locationField(c);
  const { value: _value, ...at } = fieldInfo(loc, style);
  if (c.chart) at.chart = c.chart;
  if (c.kind) at.kind = c.kind;
  if (c.hint) at.hint = c.hint.text;
  const { image, tagFrom, registryFrom } = composeImage(c);
  const values = Object.values(c.fields).map((f) => f.value ?? '');
  if (values.some((v) => v.includes('{{'))) {
    return { skipped: { ...at, value: image, reason: reason('IMAGE_TEMPLATED', `${at.file}: ${at.path}: ${JSON.stringify(image)} is a template, rendered by Helm: not rewritten`) } };
  }
  if (values.some((v) => PLACEHOLDER.test(v))) {
    return { skipped: { ...at, value: image, reason: reason('IMAGE_TEMPLATED', `${at.file}: ${at.path}: ${JSON.stringify(image)} holds a placeholder filled in at deploy time (envsubst, kustomize): not rewritten`) } };
  }
  if (!loc.value) {
    return { skipped: { ...at, value: image, reason: reason('IMAGE_EMPTY', `${at.file}: ${at.path}: no image (the value is empty)`) } };
  }
  const parsed = ctx.parse(image);
  if (!parsed.ok) return { skipped: { ...at, value: image, reason: parsed.error } };
  const finding = { image, reference: parsed.reference, source: c.source, ...at };
  if (!c.fields.ref) finding.fields = Object.fromEntries(Object.entries(c.fields).map(([k, f]) => [k, fieldInfo(f, style)]));
  if (loc.alias) finding.alias = loc.alias;
  if (tagFrom) finding.tagFrom = tagFrom;
  if (registryFrom) finding.registryFrom = registryFrom;
  const fixed = NAME_ROLES.map((r) => c.fields[r]).find((f) => f && (f.writable === false || f.yf.writable === false));
  const block = Object.values(c.fields).find((f) => f.node.type === 'BLOCK_LITERAL' || f.node.type === 'BLOCK_FOLDED');
  finding.rewritable = !fixed && !block;
  if (fixed && fixed.yf.topLevel) finding.reason = reason('IMAGE_IN_PACKAGED_CHART', `${fixed.yf.path}: ${formatPath(fixed.segments, style)} is in a chart archive given among other files (${fixed.yf.packaged}): give the archive alone ({ archive } or its path) to rewrite it`);
  else if (fixed) finding.reason = reason('IMAGE_IN_PACKAGED_CHART', `${fixed.yf.path}: ${formatPath(fixed.segments, style)} is in a packaged sub-chart (${fixed.yf.packaged ?? 'a .tgz'}): unpack it into charts/ to rewrite it, or override the value in the parent's values`);
  else if (block) finding.reason = reason('IMAGE_BLOCK_SCALAR', `${block.yf.path}: ${formatPath(block.segments, style)} is a block scalar (| or >): not rewritten`);
  return { finding };
}

/**
 * The image references of `input` (a YAML text, or files [{ path, text }]):
 * { images: [finding], skipped: [{ file, document, path, line, value, reason }], refs: [unique images] }.
 */
export async function findImages(ctx, input, options = {}) {
  const { found, skipped } = await scanImages(ctx, input, options);
  const images = found.map((f) => f.finding);
  return { images, skipped, refs: [...new Set(images.map((i) => i.image))] };
}
