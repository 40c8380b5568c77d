// Images a chart's templates write literally (`image: busybox:1.36` in templates/job.yaml). Templates
// are Go templates, not YAML, so they are read line by line; a value from the chart's values
// (`image: {{ ... }}`) is found in values.yaml instead. A literal cannot be relocated by editing
// values: it is reported, never rewritten.

const IMAGE_LINE = /^(\s*(?:-\s+)?)(["']?)image\2\s*:\s*(.*)$/;

function unquote(value) {
  const v = value.replace(/\s+#.*$/, '').trim();
  const q = v[0];
  if ((q === '"' || q === "'") && v.endsWith(q) && v.length >= 2) return { text: v.slice(1, -1), quoted: true };
  return { text: v, quoted: false };
}

/**
 * Literal image values of one template file { path, text }: [{ source: 'template', literal,
 * templated, file, document, line, column }]; `templated` when only part of the value is literal
 * (busybox:{{ .Values.tag }}). Values that start with a template action are left out.
 */
export function templateImages(file) {
  const out = [];
  let document = 0;
  const lines = file.text.split('\n');
  lines.forEach((line, i) => {
    if (/^---(\s|$)/.test(line) && i > 0) document++;
    const m = IMAGE_LINE.exec(line);
    if (m) {
      const { text } = unquote(m[3]);
      if (text && !text.startsWith('{{') && !/^[|>]/.test(text)) {
        out.push({
          source: 'template', literal: text, templated: text.includes('{{'), file: file.path, document,
          line: i + 1, column: line.indexOf(m[3], m[1].length) + 1,
        });
      }
    }
  });
  return out;
}
