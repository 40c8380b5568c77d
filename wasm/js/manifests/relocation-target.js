// What each image becomes: its relocated name from a repository prefix (the core's path mapping,
// as `irel map` gives it), a relocation mapping ({ original: relocated }, as relocate and the bundle
// commands write it) or the caller's function; then moved under the pull prefix (clusters often
// pull through a mirror: same relocated path, another host) and pinned to a digest.
import { IrelError } from '../errors.js';

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

function reason(code, message) {
  return { code, message };
}

/** A mapping given as JSON text or an object, checked: every value a string. */
function readMapping(mapping) {
  let table = mapping;
  if (typeof mapping === 'string' || mapping instanceof Uint8Array) {
    try {
      table = JSON.parse(typeof mapping === 'string' ? mapping : new TextDecoder().decode(mapping));
    } catch (e) {
      throw new IrelError({ code: 'MAPPING_INVALID', message: `relocation mapping: not JSON (${e.message})` });
    }
  }
  if (!table || typeof table !== 'object' || Array.isArray(table)) {
    throw new IrelError({ code: 'MAPPING_INVALID', message: 'relocation mapping: an object { "original": "relocated" } expected' });
  }
  for (const [k, v] of Object.entries(table)) {
    if (typeof v !== 'string') throw new IrelError({ code: 'MAPPING_INVALID', message: `relocation mapping: the value of ${JSON.stringify(k)} is not a string` });
  }
  return table;
}

/** Splits a reference's text into its name and what follows (:tag, @digest), without parsing. */
function splitName(ref) {
  const at = ref.indexOf('@');
  const beforeDigest = at < 0 ? ref : ref.slice(0, at);
  const colon = beforeDigest.lastIndexOf(':');
  const end = colon > beforeDigest.lastIndexOf('/') ? colon : beforeDigest.length;
  return { name: ref.slice(0, end), rest: ref.slice(end) };
}

/**
 * A function image -> Promise<{ ok: true, target, reference } | { ok: false, reason }>, from
 * options { prefix | mapping | mapFn, pullPrefix, pin }. irel: the Irel instance (parse, map,
 * checkPrefix). Throws IrelError for options that cannot work at all (no target, a bad prefix).
 */
export function relocationTarget(irel, options = {}) {
  const { prefix, mapping, mapFn, pullPrefix, pin } = options;
  const given = [prefix !== undefined && prefix !== null, !!mapping, typeof mapFn === 'function'].filter(Boolean).length;
  if (given === 0) throw new IrelError({ code: 'REWRITE_NO_TARGET', message: 'rewrite: give prefix, mapping or mapFn' });
  const stem = prefix !== undefined && prefix !== null ? requirePrefix(irel, prefix, 'prefix') : '';
  if (pullPrefix !== undefined && pullPrefix !== null) requirePrefix(irel, pullPrefix, 'pullPrefix');
  const normalized = (s) => {
    const p = irel.parse(s);
    return p.ok ? p.reference.string : null;
  };
  let lookup = null;
  if (mapping && typeof mapFn !== 'function') {
    const table = readMapping(mapping);
    // Keys as written first; then any spelling of the same reference (nginx:1 = docker.io/library/nginx:1).
    const byNormal = new Map();
    for (const [k, v] of Object.entries(table)) {
      const n = normalized(k);
      if (n && !byNormal.has(n)) byNormal.set(n, v);
    }
    lookup = (image) => (Object.hasOwn(table, image) ? table[image] : byNormal.get(normalized(image)));
  }
  const pinOf = (image, target) => {
    if (!pin) return null;
    if (typeof pin === 'function') return pin(image, target);
    for (const k of [image, normalized(image), target]) if (k && Object.hasOwn(pin, k)) return pin[k];
    return null;
  };
  const pull = (target) => {
    if (!pullPrefix) return target;
    if (stem && target.startsWith(`${stem}/`)) return `${pullPrefix}${target.slice(stem.length)}`;
    // A mapping or function: irel's relocated names are PREFIX/ONE-COMPONENT, so the prefix is
    // everything before the last component.
    const { name, rest } = splitName(target);
    return `${pullPrefix}/${name.slice(name.lastIndexOf('/') + 1)}${rest}`;
  };

  return async (image) => {
    let target;
    if (typeof mapFn === 'function') {
      try {
        target = await mapFn(image);
      } catch (e) {
        return { ok: false, reason: reason(e?.code ?? 'MAP_FAILED', `${image}: ${e?.message ?? e}`) };
      }
      if (target === null || target === undefined || target === '') return { ok: false, reason: reason('IMAGE_NOT_MAPPED', `${image}: the mapping function gave no target`) };
    } else if (lookup) {
      target = lookup(image);
      if (target === undefined) return { ok: false, reason: reason('IMAGE_NOT_MAPPED', `${image} is not in the relocation mapping`) };
    } else {
      const m = irel.map(prefix, image);
      if (!m.ok) return { ok: false, reason: m.error };
      target = m.output;
    }
    target = pull(String(target));
    const digest = pinOf(image, target);
    if (digest) {
      if (typeof digest !== 'string' || !DIGEST.test(digest)) return { ok: false, reason: reason('DIGEST_INVALID', `${image}: the pin ${JSON.stringify(digest)} is not a digest`) };
      const has = target.includes('@') ? target.slice(target.indexOf('@') + 1) : '';
      if (has && has !== digest) return { ok: false, reason: reason('DIGEST_MISMATCH', `${image}: pinned to ${digest}, but it is relocated as ${target}`) };
      if (!has) target = `${target}@${digest}`;
    }
    const parsed = irel.parse(target);
    if (!parsed.ok) return { ok: false, reason: reason(parsed.error.code, `${image} -> ${target}: ${parsed.error.message}`) };
    return { ok: true, target, reference: parsed.reference };
  };
}

function requirePrefix(irel, prefix, what) {
  const checked = irel.checkPrefix(String(prefix ?? ''));
  if (!checked.ok) throw new IrelError({ code: checked.error.code, message: `${what}: ${checked.error.message}` });
  return checked.prefix;
}
