// Image references of Kubernetes objects: the `image` of every container in `containers`,
// `initContainers` and `ephemeralContainers`, wherever those lists are. A pod spec sits at a
// different depth in each kind (Pod: spec; Deployment, StatefulSet, DaemonSet, ReplicaSet, Job:
// spec.template.spec; CronJob: spec.jobTemplate.spec.template.spec; custom resources: anywhere,
// `kind: List`: items[N]...), so the whole tree is searched rather than a list of kinds.

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/**
 * Candidates of one parsed file (yaml-file.js): [{ source: 'container', fields: { ref }, kind }],
 * `ref` the image field (its node, where it is used, its value); `kind` the document's kind.
 */
export function k8sImages(model, yf) {
  const { Y } = model;
  const out = [];
  for (const entry of yf.docs) {
    if (entry.error || !entry.contents) continue;
    const kind = model.scalarValue(model.get(entry.contents, 'kind', entry.doc)?.value) ?? '';
    const open = new Set(); // collections being walked: an alias to an ancestor is not followed
    const containerImage = (container, segments) => {
      const own = model.get(container, 'image', entry.doc);
      if (own) return { raw: own.raw, segments: [...segments, 'image'] };
      // `<<: *base` merges a map (or a list of them): the image may come from there.
      const merge = model.get(container, '<<', entry.doc)?.value;
      const bases = Y.isSeq(merge) ? merge.items.map((i) => model.resolve(i, entry.doc)) : [merge];
      for (const base of bases) {
        const inherited = Y.isMap(base) ? model.get(base, 'image', entry.doc) : null;
        if (inherited) return { raw: inherited.raw, segments: [...segments, 'image'] };
      }
      return null;
    };
    const walk = (raw, segments) => {
      const node = model.resolve(raw, entry.doc);
      if (!Y.isCollection(node) || open.has(node)) return;
      open.add(node);
      if (Y.isMap(node)) {
        for (const e of model.entries(node, entry.doc)) {
          const at = [...segments, e.key];
          if (CONTAINER_LISTS.has(e.key) && Y.isSeq(e.value)) {
            e.value.items.forEach((item, i) => {
              const container = model.resolve(item, entry.doc);
              const image = Y.isMap(container) ? containerImage(container, [...at, i]) : null;
              if (!image) return;
              const ref = model.field(yf, entry, image.raw, image.segments);
              if (ref) out.push({ source: 'container', kind, fields: { ref } });
            });
          }
          walk(e.raw, at);
        }
      } else {
        node.items.forEach((item, i) => walk(item, [...segments, i]));
      }
      open.delete(node);
    };
    walk(entry.contents, []);
  }
  return out;
}
