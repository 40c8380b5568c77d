// A YAML file as the finders see it: its documents parsed with the yaml package's Document API
// (every scalar a string, as written: "1.10" stays "1.10"; nodes keep their source ranges), the
// line and column of any offset, and where each node is defined and used through aliases. The
// yaml module is passed in (see yaml-module.js): this package imports no bare names statically.

/** Line starts of `text`, for positions by binary search. */
function lineStarts(text) {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

// Plain scalars that mean "no value" in YAML (the failsafe schema keeps them as strings).
const NULL_PLAIN = new Set(['', '~', 'null', 'Null', 'NULL']);

/** A key or index path as the user reads it: k8s style a.b[0].c, Helm values style .a.b[0].c. */
export function formatPath(segments, style = 'k8s') {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(s)) out += (out || style === 'values' ? '.' : '') + s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out || (style === 'values' ? '.' : '');
}

/** The functions over yaml's nodes, bound to the loaded module Y. */
export function yamlModel(Y) {
  const resolve = (node, doc) => (Y.isAlias(node) ? node.resolve(doc) : node);

  /** A scalar's string value; null for a null or missing value and for collections. */
  function scalarValue(node) {
    if (!Y.isScalar(node)) return null;
    const v = node.value == null ? '' : String(node.value);
    return node.type === 'PLAIN' && NULL_PLAIN.has(v) ? null : v;
  }

  /** A map's entries with string keys: [{ key, value (aliases resolved), raw }]. */
  function entries(node, doc) {
    if (!Y.isMap(node)) return [];
    const out = [];
    for (const pair of node.items) {
      const key = Y.isScalar(pair.key) ? String(pair.key.value) : null;
      if (key === null) continue;
      out.push({ key, value: resolve(pair.value, doc), raw: pair.value });
    }
    return out;
  }

  function get(node, key, doc) {
    return entries(node, doc).find((e) => e.key === key) ?? null;
  }

  /** The node at `segments` under `node` (aliases followed), or undefined. */
  function getIn(node, segments, doc) {
    let at = resolve(node, doc);
    for (const s of segments) {
      if (typeof s === 'number') at = Y.isSeq(at) ? resolve(at.items[s], doc) : undefined;
      else at = get(at, s, doc)?.value;
      if (at === undefined || at === null) return undefined;
    }
    return at;
  }

  /**
   * Parses a file { path, text, writable }: { path, text, writable, docs: [{ index, doc, contents,
   * error }], position(offset) }. A document with errors has `error` ({ code, message, line })
   * and is left alone.
   */
  function parseFile(file) {
    const starts = lineStarts(file.text);
    const position = (offset) => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= offset) lo = mid;
        else hi = mid - 1;
      }
      return { line: lo + 1, column: offset - starts[lo] + 1 };
    };
    const parsed = Y.parseAllDocuments(file.text, { schema: 'failsafe', keepSourceTokens: false });
    const list = Array.isArray(parsed) ? parsed : [];
    const docs = list.map((doc, index) => {
      const first = doc.errors[0];
      const error = first ? {
        code: 'YAML_INVALID',
        message: `${file.path}: document ${index}: ${first.message.split('\n')[0]}`,
        line: position(first.pos[0]).line,
      } : null;
      return { index, doc, contents: doc.contents, error };
    });
    return { ...file, docs, position, uses: new Map() };
  }

  /**
   * Where each anchored node of a document is: its definition's path and the paths of the aliases
   * to it, [{ segments, alias: boolean }] (computed once per document).
   */
  function anchorUses(yf, entry) {
    let uses = yf.uses.get(entry.index);
    if (uses) return uses;
    uses = new Map();
    const add = (node, segments, alias) => {
      if (!uses.has(node)) uses.set(node, []);
      uses.get(node).push({ segments, alias });
    };
    const walk = (node, segments) => {
      if (Y.isAlias(node)) {
        const target = node.resolve(entry.doc);
        if (target) add(target, segments, true);
        return;
      }
      if (node?.anchor) add(node, segments, false);
      if (Y.isMap(node)) {
        for (const pair of node.items) {
          if (Y.isScalar(pair.key)) walk(pair.value, [...segments, String(pair.key.value)]);
        }
      } else if (Y.isSeq(node)) node.items.forEach((item, i) => walk(item, [...segments, i]));
    };
    walk(entry.contents, []);
    yf.uses.set(entry.index, uses);
    return uses;
  }

  /**
   * A field: the scalar `raw` (a scalar, or an alias to one) seen at `segments` of document `entry`
   * of file `yf`: { yf, entry, node (the scalar written), alias (anchor name, if through one),
   * segments, line, column (of the use), value }. null when raw is not a scalar.
   */
  function field(yf, entry, raw, segments) {
    const node = resolve(raw, entry.doc);
    if (!Y.isScalar(node)) return null;
    const { line, column } = yf.position((Y.isAlias(raw) ? raw : node).range[0]);
    return { yf, entry, node, alias: Y.isAlias(raw) ? raw.source : null, segments, line, column, value: scalarValue(node) };
  }

  return { Y, resolve, scalarValue, entries, get, getIn, parseFile, anchorUses, field };
}
