// Hints: where a chart keeps its images when the conventions do not find them. A YAML list, each
// item one image, in relok8s' format (its --image-patterns file) or a plainer one:
//   - "{{ .image }}"                                            the whole reference in one value
//   - "{{ .image.repository }}:{{ .image.tag }}"                name, then tag (or @{{ digest }})
//   - "{{ .image.registry }}/{{ .image.repository }}:{{ .image.tag }}"   registry and repository
//   - .image                                                    a path alone: the whole reference
//   - { registry: .image.registry, repository: .image.repository, tag: .image.tag, digest: .image.digest }
// Paths are the top chart's values, sub-charts under their section (.mariadb.image.tag), as Helm
// merges them; `.Values.` in front is accepted.
import { IrelError } from '../errors.js';
import { defaultTag, globalRegistry, lookup } from './helm-values.js';

// relok8s' own patterns (pkg/mover/image_template.go): the tag follows ':', the digest '@'.
const FRAGMENT = /{{\s*(.*?)\s*}}/g;
const TAG = /:{{\s*(.*?)\s*}}/g;
const DIGEST = /@{{\s*(.*?)\s*}}/g;
const TAG_OR_DIGEST = /[:@]{{.*?}}/g;

/** A values path (.a.b[0].c, .Values.a) as segments, or null when it is not one. */
export function hintPath(text) {
  const t = String(text).trim().replace(/^{{\s*(.*?)\s*}}$/, '$1').replace(/^\.Values(?=\.)/, '');
  if (!/^(\.[^.[\]\s{}]+|\[\d+\])+$/.test(t)) return null;
  const out = [];
  for (const m of t.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)) out.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return out;
}

function invalid(hint, message) {
  return { ok: false, reason: { code: 'HINT_INVALID', message: `hint ${JSON.stringify(hint)}: ${message}` } };
}

/**
 * One hint item (a string or a map) as { ok, form: 'ref' | 'name' | 'split', paths: { ref | name |
 * registry, repository, tag?, digest? } } or { ok: false, reason }.
 */
export function parseHint(item) {
  if (item && typeof item === 'object' && !Array.isArray(item)) {
    const paths = {};
    for (const key of ['registry', 'repository', 'tag', 'digest']) {
      if (item[key] === undefined || item[key] === null) continue;
      const p = hintPath(item[key]);
      if (!p) return invalid(item, `${key} is not a values path`);
      paths[key] = p;
    }
    const { registry, repository, tag, digest } = paths;
    if (!repository) return invalid(item, 'a map needs at least repository');
    if (registry) return { ok: true, form: 'split', paths: { registry, repository, tag, digest } };
    // Without a tag or digest of its own, the repository value is the whole reference.
    if (!tag && !digest) return { ok: true, form: 'ref', paths: { ref: repository } };
    return { ok: true, form: 'name', paths: { name: repository, tag, digest } };
  }
  if (typeof item !== 'string') return invalid(item, 'an item is a string or a map');
  if (!item.includes('{{')) {
    const p = hintPath(item);
    return p ? { ok: true, form: 'ref', paths: { ref: p } } : invalid(item, 'not a values path');
  }
  const tags = [...item.matchAll(TAG)].map((m) => m[1]);
  const digests = [...item.matchAll(DIGEST)].map((m) => m[1]);
  if (tags.length > 1) return invalid(item, 'more than one tag');
  if (digests.length > 1) return invalid(item, 'more than one digest');
  const rest = [...item.replace(TAG_OR_DIGEST, '').matchAll(FRAGMENT)].map((m) => m[1]);
  const path = (t) => hintPath(t) ?? undefined;
  const paths = { tag: tags[0] && path(tags[0]), digest: digests[0] && path(digests[0]) };
  if ([...rest, ...tags, ...digests].some((t) => !hintPath(t))) return invalid(item, 'a fragment is not a values path');
  if (rest.length === 1) {
    if (!paths.tag && !paths.digest) return { ok: true, form: 'ref', paths: { ref: path(rest[0]) } };
    return { ok: true, form: 'name', paths: { ...paths, name: path(rest[0]) } };
  }
  if (rest.length === 2) return { ok: true, form: 'split', paths: { ...paths, registry: path(rest[0]), repository: path(rest[1]) } };
  return invalid(item, rest.length ? 'more fragments than registry and repository' : 'no registry or repository');
}

/**
 * The hint items of `hints`: YAML text (parsed with the model, items keep their line) or an array.
 * Throws IrelError HINTS_INVALID when it is not a list.
 */
export function readHints(model, hints) {
  if (Array.isArray(hints)) return hints.map((item, i) => ({ item, line: 0, index: i }));
  const yf = model.parseFile({ path: 'hints', text: String(hints) });
  const entry = yf.docs[0];
  if (entry?.error) throw new IrelError({ code: 'HINTS_INVALID', message: `hints: ${entry.error.message}` });
  if (!entry || !model.Y.isSeq(entry.contents)) throw new IrelError({ code: 'HINTS_INVALID', message: 'hints: a YAML list of value paths or image patterns expected' });
  return entry.contents.items.map((node, index) => ({
    item: model.Y.isScalar(node) ? String(node.value) : node.toJSON(),
    line: yf.position(node.range[0]).line,
    index,
  }));
}

// The field at `segments` seen from the top instance, a sub-chart's section through the
// sub-chart's instance (its own values as defaults): [instance, field] or [instance, null].
function deepLookup(model, instance, segments) {
  const own = lookup(model, instance, segments);
  if (own) return [instance, own];
  const child = instance.children.find((c) => c.keyPath[c.keyPath.length - 1] === segments[0]);
  return child && segments.length > 1 ? deepLookup(model, child, segments.slice(1)) : [instance, null];
}

/**
 * Candidates of the hints for one top chart instance (or a standalone values text):
 * [{ source: 'hints', chart, fields, hint }] and skipped [{ hint, reason }] for paths with no value.
 */
export function hintImages(model, top, hints) {
  const out = [];
  const skipped = [];
  for (const h of hints) {
    const hint = { text: typeof h.item === 'string' ? h.item : JSON.stringify(h.item), line: h.line, index: h.index };
    const parsed = parseHint(h.item);
    if (!parsed.ok) {
      skipped.push({ hint, reason: parsed.reason });
      continue;
    }
    const fields = {};
    let where = top;
    let missing = null;
    for (const [role, segments] of Object.entries(parsed.paths)) {
      if (!segments) continue;
      const [instance, f] = deepLookup(model, top, segments);
      if (f) fields[role] = f;
      else if (role === 'ref' || role === 'name' || role === 'repository') missing = segments;
      if (role === 'ref' || role === 'name' || role === 'repository') where = instance;
    }
    if (missing) {
      skipped.push({ hint, reason: { code: 'HINT_NOT_FOUND', message: `hint ${JSON.stringify(hint.text)}: no value at .${missing.join('.')}` } });
      continue;
    }
    if (parsed.form === 'split') {
      // The global registry replaces the registry in charts that follow Bitnami's helper.
      const global = globalRegistry(model, where);
      if (global) fields.global = global;
    }
    out.push({ source: 'hints', chart: where.name, fields, hint, defaultTag: parsed.form === 'split' ? defaultTag(where) : null });
  }
  return { candidates: out, skipped };
}
