import { LineWriter } from './io.js';
import { at, byLocation, displayFile, hintProblems, hintsOptions, readInputs, reasonText, shown } from './manifest-inputs.js';
import { UsageError } from './usage-error.js';

export const imagesCommand = {
  name: 'images',
  usage: `Usage: irel images [--hints FILE] [--json] FILE|DIR|CHART...

Lists the image references of Kubernetes manifests and Helm charts, one per line, in the order
of the files:
  IMAGE  FILE:LINE  document N  PATH  rewritable
  VALUE  FILE:LINE  document N  PATH  not rewritable: REASON [CODE]
FILE|DIR|CHART is a YAML (or JSON) file of manifests, a directory (of manifests, or a chart with
its sub-charts), or a chart archive (.tgz). Found: the image of every container, init container
and ephemeral container at any depth of any kind (custom resources and Lists included); in charts
the values by the common conventions (image: REF; image: {registry, repository, tag, digest};
global.imageRegistry) and images written literally in templates (not rewritable: values cannot
change them). Values that are templated ({{ ... }}, \${VAR}) or not valid references are listed as
not rewritable, with the reason. A file inside an archive is named ARCHIVE!/ENTRY.

Options:
      --hints FILE  a hints file: the chart's image values as relok8s image patterns
                    ("{{ .image.repository }}:{{ .image.tag }}") or value paths (.image, or
                    {registry: .image.registry, repository: .image.repository, tag: .image.tag})
      --json        one JSON object per line: input, file, document, path, line, column, image
                    (or value), rewritable, reason {code, message} when not, source (container,
                    values, hints, template), chart, kind, fields (the values an image is made of)

Exit status: 0 listed, 1 an input cannot be read or a file in it does not parse (named on
standard error; the others are listed), 2 usage error.`,
  options: {
    hints: { type: 'string' },
    json: { type: 'boolean' },
  },

  async run({ values, positionals }, io, irel) {
    if (!positionals.length) throw new UsageError('expected FILE, DIR or CHART (one or more)', this);
    const hints = await hintsOptions(values.hints);
    const read = await readInputs(positionals, (input) => irel.findImages({ path: input }, hints), hints.hintsName);
    const out = new LineWriter(io.stdout);
    let failed = 0;
    const warned = new Set();
    for (const { input, result, error } of read) {
      if (error) {
        failed++;
        for (const line of error.message.split('\n')) io.stderr.write(`irel images: ${line}\n`);
        continue;
      }
      const file = (e) => displayFile(input, result.source, e, hints.hintsName);
      // A hint that names nothing: the same hints go to every input, so say it once per chart.
      for (const h of hintProblems(result.skipped)) {
        const line = `irel images: --hints ${at(file(h), h)}: ${h.chart ? `chart ${h.chart}: ` : ''}${reasonText(h)}`;
        if (!warned.has(line)) io.stderr.write(`${line}\n`);
        warned.add(line);
      }
      const entries = [
        ...result.images,
        ...result.skipped.filter((s) => s.value !== undefined).map((s) => ({ ...s, rewritable: false })),
      ];
      for (const e of byLocation(entries)) {
        let flushed;
        if (values.json) {
          const named = { input, ...e, file: file(e) };
          if (e.fields) named.fields = Object.fromEntries(Object.entries(e.fields).map(([k, f]) => [k, { ...f, file: file(f) }]));
          flushed = out.line(JSON.stringify(named));
        } else {
          const what = e.image !== undefined ? e.image : shown(e.value);
          const status = e.rewritable ? 'rewritable' : `not rewritable: ${reasonText(e)}`;
          flushed = out.line(`${what}  ${at(file(e), e)}  document ${e.document ?? 0}  ${e.path || '-'}  ${status}`);
        }
        if (flushed) await flushed;
      }
    }
    await out.flush();
    return failed ? 1 : 0;
  },
};
