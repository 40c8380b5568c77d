// The source text of a scalar's new value, in the style the value was written in (plain, 'single'
// or "double" quoted), so that a rewrite changes only the bytes of the value. A plain scalar whose
// new value would not read back as the same string (a number, a boolean, an indicator, a flow
// character in a flow collection) is double quoted instead; block scalars are not rewritten.

// Characters an image reference (or a registry, repository, tag, digest) is made of: safe in a
// plain scalar, block or flow, as long as the value starts with one of the first class.
const PLAIN_SAFE = /^[A-Za-z0-9_.\/][A-Za-z0-9_.\/:@+-]*$/;
const ENDS_KEY_LIKE = /:$/; // "a:" at the end of a line would start a mapping

// Plain values YAML 1.1 (Helm's go-yaml, kubectl) or 1.2 would read as something else than a string.
const NOT_A_STRING = [
  /^[-+]?(?:\d[\d_]*)?(?:\.[\d_]*)?(?:[eE][-+]?\d+)?$/, // numbers, '.' included
  /^[-+]?0x[0-9a-fA-F_]+$/, /^[-+]?0o?[0-7_]+$/, /^[-+]?0b[01_]+$/,
  /^[-+]?\d[\d_]*(?::[0-5]?\d)+(?:\.[\d_]*)?$/, // YAML 1.1 sexagesimal: 1:20 is 80
  /^[-+]?\.(?:inf|Inf|INF)$/, /^\.(?:nan|NaN|NAN)$/,
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/,
  /^\d{4}-\d\d?-\d\d?(?:[Tt ].*)?$/, // YAML 1.1 timestamps
];

export function plainReadsBack(value) {
  return PLAIN_SAFE.test(value) && !ENDS_KEY_LIKE.test(value) && !NOT_A_STRING.some((r) => r.test(value));
}

// JSON's escapes are YAML's; YAML also wants DEL, C1 controls and the line/paragraph separators escaped.
export function doubleQuoted(value) {
  return JSON.stringify(value).replace(/[\x7f-\x9f\u2028\u2029\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function singleQuoted(value) {
  return /^[\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]*$/.test(value) ? `'${value.replace(/'/g, "''")}'` : null;
}

/**
 * The text to put at the scalar's source range [range[0], range[1]) for `value`, or null for a
 * block scalar (| or >), which is not rewritten.
 */
export function scalarText(node, value) {
  switch (node.type) {
    case 'PLAIN':
      return plainReadsBack(value) ? value : doubleQuoted(value);
    case 'QUOTE_SINGLE':
      return singleQuoted(value) ?? doubleQuoted(value);
    case 'QUOTE_DOUBLE':
      return doubleQuoted(value);
    default:
      return null;
  }
}
