// Rewriting the images find-images.js found: each image's target (relocation-target.js) written
// back into the fields it came from, and only there. Every edit replaces the source bytes of one
// scalar (scalar-text.js keeps its quoting), so comments, anchors, key order, blank lines and
// document separators stay byte for byte; the result is parsed again and every scalar compared
// before it is accepted. A value two images share (an anchor, global.imageRegistry) is written
// once, and only when they agree on it.
import { fieldInfo, scanImages } from './find-images.js';
import { relocationTarget } from './relocation-target.js';
import { scalarText } from './scalar-text.js';
import { unifiedDiff } from './unified-diff.js';
import { formatPath } from './yaml-file.js';

function reason(code, message) {
  return { code, message };
}

function splitName(ref) {
  const at = ref.indexOf('@');
  const beforeDigest = at < 0 ? ref : ref.slice(0, at);
  const colon = beforeDigest.lastIndexOf(':');
  return colon > beforeDigest.lastIndexOf('/') ? beforeDigest.slice(0, colon) : beforeDigest;
}

function fullDigest(f) {
  if (!f?.value) return '';
  return f.digestFormat === 'hex' && !f.value.includes(':') ? `sha256:${f.value}` : f.value;
}

/**
 * The edits that make candidate `c` name `target` (its parsed `ref`): { edits: [{ field, value }],
 * pinNote? } or { skip: reason }. Tags stay as they are unless the target's differs; a digest goes
 * into the digest field, else after the tag (repo:tag@digest renders a valid reference).
 */
export function planEdits(c, target, ref) {
  const f = c.fields;
  const edits = [];
  const set = (field, value) => {
    if ((field.value ?? '') !== value) edits.push({ field, value });
  };
  if (f.ref) {
    set(f.ref, target);
    return { edits };
  }
  if (f.name) set(f.name, splitName(target));
  else if (f.global || f.registry?.value) {
    if (f.global) set(f.global, ref.domain);
    if (f.registry?.value) set(f.registry, ref.domain);
    set(f.repository, ref.path);
  } else set(f.repository, `${ref.domain}/${ref.path}`);

  let pinNote = null;
  const tag0 = f.tag?.value ?? '';
  const fallback = f.name ? '' : (c.defaultTag?.value ?? '');
  if (f.digest) {
    const digest0 = fullDigest(f.digest);
    if (ref.digest && ref.digest !== digest0) {
      if (f.digest.digestFormat === 'hex') {
        if (ref.digest.startsWith('sha256:')) set(f.digest, ref.digest.slice(7));
        else pinNote = 'its sha field takes sha256 digests only';
      } else set(f.digest, ref.digest);
    }
    if (ref.tag && ref.tag !== (tag0 || fallback)) {
      if (!f.tag) return { skip: reason('TAG_NO_FIELD', `the target's tag ${ref.tag} differs and there is no tag field to write it in`) };
      set(f.tag, ref.tag);
    }
    return { edits, pinNote };
  }
  // No digest field: the tag field carries tag@digest.
  const current = tag0 || fallback;
  const tag = ref.tag || current.split('@')[0];
  if (ref.digest && !tag) return { edits, pinNote: 'there is no digest field, and no tag to write the digest after' };
  const wanted = ref.digest ? `${tag}@${ref.digest}` : tag;
  if (wanted === current) return { edits, pinNote };
  if (f.tag) set(f.tag, wanted);
  else if (tag === current.split('@')[0]) pinNote = 'there is no digest or tag field to write the digest in';
  else return { skip: reason('TAG_NO_FIELD', `the target's tag ${ref.tag} differs and there is no tag field to write it in`) };
  return { edits, pinNote };
}

/** Where a finding is, for skipped entries: its location fields and its image. */
function place(finding) {
  const { file, document, path, line, column, chart } = finding;
  const out = { file, document, path, line, column, image: finding.image };
  if (chart) out.chart = chart;
  return out;
}

// The scalars of a parsed file in document order, for comparing a rewrite with its source.
function scalars(model, yf) {
  const out = [];
  for (const d of yf.docs) {
    if (d.error) return null;
    model.Y.visit(d.doc, { Scalar: (_k, node) => { out.push(node); } });
  }
  return out;
}

/**
 * Applies edits [{ field, value }] to one parsed file: the new text, or null when a value cannot
 * be written in place (a block scalar) or the result does not read back as intended.
 */
function applyEdits(model, yf, edits) {
  // One pass over the text, the edits in order: a file of thousands of images stays linear.
  const sorted = [...edits].sort((a, b) => a.field.node.range[0] - b.field.node.range[0]);
  const pieces = [];
  let at = 0;
  for (const { field, value } of sorted) {
    const [start, end] = field.node.range;
    const written = scalarText(field.node, value);
    if (written === null || start < at) return null;
    pieces.push(yf.text.slice(at, start), written);
    at = end;
  }
  pieces.push(yf.text.slice(at));
  const text = pieces.join('');
  const before = scalars(model, yf);
  const after = scalars(model, model.parseFile({ path: yf.path, text }));
  if (!before || !after || before.length !== after.length) return null;
  const wanted = new Map(edits.map((e) => [e.field.node, e.value]));
  for (let i = 0; i < before.length; i++) {
    const want = wanted.has(before[i]) ? wanted.get(before[i]) : before[i].value;
    if (String(after[i].value ?? '') !== String(want ?? '')) return null;
  }
  return text;
}

/**
 * Rewrites the images of `input` (as findImages takes it). irel: the Irel instance (parse, map,
 * checkPrefix); ctx as scanImages takes it. Resolves { files: [{ path, text | bytes, changed }],
 * changes: [{ file, document, path, line, column, from, to, images, aliases? }], skipped, diff,
 * images: [finding + target?], mapping: { image: target } }.
 */
export async function rewriteImages(irel, ctx, input, options = {}) {
  const targetOf = relocationTarget(irel, options);
  const { model, files, found, skipped } = await scanImages(ctx, input, options);
  const plans = [];
  for (const { candidate, finding } of found) {
    if (!finding.rewritable) {
      skipped.push({ ...place(finding), reason: finding.reason });
      continue;
    }
    const t = await targetOf(finding.image);
    if (!t.ok) {
      skipped.push({ ...place(finding), reason: t.reason });
      continue;
    }
    const plan = planEdits(candidate, t.target, t.reference);
    if (plan.skip) {
      skipped.push({ ...place(finding), reason: { ...plan.skip, message: `${finding.file}: ${finding.path}: ${finding.image}: ${plan.skip.message}` } });
      continue;
    }
    const fixed = plan.edits.find((e) => e.field.writable === false || e.field.yf.writable === false);
    if (fixed) {
      skipped.push({ ...place(finding), reason: reason('IMAGE_IN_PACKAGED_CHART', `${fixed.field.yf.path}: ${formatPath(fixed.field.segments, 'values')} is in a packaged sub-chart: not rewritten`) });
      continue;
    }
    if (plan.pinNote) {
      skipped.push({ ...place(finding), reason: reason('PIN_NO_FIELD', `${finding.file}: ${finding.path}: ${finding.image} relocated but not pinned: ${plan.pinNote}`) });
    }
    plans.push({ candidate, finding, target: t.target, edits: plan.edits, style: candidate.source === 'container' ? 'k8s' : 'values' });
  }

  const kept = new Set(plans);
  const drop = (plan, why) => {
    if (!kept.delete(plan)) return;
    skipped.push({ ...place(plan.finding), reason: why });
  };
  // Shared values: the target most images want wins; the others are not rewritten.
  for (let changed = true; changed;) {
    changed = false;
    const byNode = new Map();
    for (const plan of kept) {
      for (const e of plan.edits) {
        if (!byNode.has(e.field.node)) byNode.set(e.field.node, []);
        byNode.get(e.field.node).push({ plan, e });
      }
    }
    for (const uses of byNode.values()) {
      const counts = new Map();
      for (const u of uses) counts.set(u.e.value, (counts.get(u.e.value) ?? 0) + 1);
      if (counts.size < 2) continue;
      const winner = [...counts].sort((a, b) => b[1] - a[1])[0][0];
      const f = uses[0].e.field;
      const isGlobal = uses.some((u) => u.plan.candidate.fields.global?.node === f.node);
      const others = uses.filter((u) => u.e.value !== winner).map((u) => `${u.plan.finding.image} -> ${u.e.value}`);
      for (const u of uses) {
        if (u.e.value === winner) continue;
        drop(u.plan, reason(isGlobal ? 'GLOBAL_REGISTRY_CONFLICT' : 'VALUE_SHARED',
          `${f.yf.path}: ${formatPath(f.segments, u.plan.style)} is shared: ${winner} is written for the other images, ` +
          `and ${u.plan.finding.image} needs ${u.e.value}${isGlobal ? ' (images under global.imageRegistry relocate to different registries)' : ''}` +
          (others.length > 1 ? ` (${others.join(', ')})` : '')));
        changed = true;
      }
    }
  }

  // Apply per file; a file whose rewrite does not read back drops the images that touch it.
  let texts;
  for (;;) {
    const byFile = new Map();
    for (const plan of kept) {
      for (const e of plan.edits) {
        if (!byFile.has(e.field.yf)) byFile.set(e.field.yf, new Map());
        byFile.get(e.field.yf).set(e.field.node, e);
      }
    }
    texts = new Map();
    let failed = null;
    for (const [yf, edits] of byFile) {
      const text = applyEdits(model, yf, [...edits.values()]);
      if (text === null) {
        failed = yf;
        break;
      }
      texts.set(yf.path, text);
    }
    if (!failed) break;
    for (const plan of [...kept]) {
      if (plan.edits.some((e) => e.field.yf === failed)) {
        drop(plan, reason('REWRITE_UNVERIFIED', `${failed.path}: the rewritten value of ${plan.finding.path} would not read back as written (a block scalar?): not rewritten`));
      }
    }
  }

  const changes = [];
  const seen = new Map();
  for (const plan of kept) {
    for (const e of plan.edits) {
      const had = seen.get(e.field.node);
      if (had) {
        if (!had.images.includes(plan.finding.image)) had.images.push(plan.finding.image);
        continue;
      }
      const change = { ...definition(model, e.field, plan.style), from: e.field.value ?? '', to: e.value, images: [plan.finding.image] };
      seen.set(e.field.node, change);
      changes.push(change);
    }
  }
  const order = new Map(files.map((f, i) => [f.path, i]));
  changes.sort((a, b) => (order.get(a.file) - order.get(b.file)) || (a.line - b.line) || (a.column - b.column));

  const outFiles = files.map((f) => {
    const text = texts.get(f.path);
    if (text !== undefined && text !== f.text) return { path: f.path, text, changed: true };
    if (typeof f.text === 'string') return { path: f.path, text: f.text, changed: false };
    return f.directory ? { path: f.path, directory: true, changed: false } : { path: f.path, bytes: f.bytes, changed: false };
  });
  const diff = outFiles.filter((f) => f.changed)
    .map((f) => unifiedDiff(files[order.get(f.path)].text, f.text, { fromFile: `a/${f.path}`, toFile: `b/${f.path}` }))
    .join('');
  const targets = new Map([...kept].map((p) => [p.finding, p.target]));
  const images = found.map(({ finding }) => (targets.has(finding) ? { ...finding, target: targets.get(finding) } : finding));
  const mapping = Object.fromEntries([...kept].map((p) => [p.finding.image, p.target]));
  return { files: outFiles, changes, skipped, diff, images, mapping };
}

// Where an edited scalar is written: its anchor's place when it was reached through an alias,
// with the aliases that read it.
function definition(model, field, style) {
  const uses = field.node.anchor ? model.anchorUses(field.yf, field.entry).get(field.node) ?? [] : [];
  const def = uses.find((u) => !u.alias);
  const at = def ? { ...field, segments: def.segments, ...field.yf.position(field.node.range[0]) } : field;
  const { value: _value, ...info } = fieldInfo(at, style);
  const aliases = uses.filter((u) => u.alias).map((u) => formatPath(u.segments, style));
  if (field.node.anchor) info.anchor = field.node.anchor;
  if (aliases.length) info.aliases = aliases;
  return info;
}

