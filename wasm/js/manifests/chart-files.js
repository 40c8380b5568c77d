// Which of the input files make Helm charts, and how: a chart is a directory with a Chart.yaml; its
// values.yaml holds the images by convention, templates/ may name images literally, and charts/
// holds its sub-charts, unpacked (charts/NAME/) or packaged (charts/NAME-VERSION.tgz). A sub-chart
// reads its values from the parent's section named for it (its alias, if the parent's dependencies
// give one). Everything else that is YAML is a manifest.
import { errorData } from '../errors.js';

const YAML_NAME = /\.(ya?ml|json)$/i;
// Extra values files beside values.yaml (ci/values-prod.yaml, values-production.yaml): images by
// the same conventions, though nothing says how they combine with the others.
const EXTRA_VALUES = /(^|\/)(values[^/]*|[^/]*[-.]values)\.ya?ml$/i;
const PACKAGED = /\.(tgz|tar\.gz)$/i;

function dirOf(path) {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash + 1);
}

function readChartYaml(model, file) {
  const yf = model.parseFile(file);
  const root = yf.docs[0]?.error ? null : yf.docs[0]?.contents;
  const text = (key) => model.scalarValue(model.get(root, key, yf.docs[0]?.doc)?.value);
  const deps = (node, doc) => (model.Y.isSeq(node) ? node.items : []).map((d) => {
    const m = model.resolve(d, doc);
    return { name: model.scalarValue(model.get(m, 'name', doc)?.value), alias: model.scalarValue(model.get(m, 'alias', doc)?.value) };
  });
  return {
    name: text('name'),
    appVersion: text('appVersion'),
    dependencies: deps(model.get(root, 'dependencies', yf.docs[0]?.doc)?.value, yf.docs[0]?.doc),
    error: yf.docs[0]?.error ?? null,
  };
}

/**
 * files: [{ path, text?, bytes?, writable? }]. options.readArchive(bytes, path) -> files, to look
 * into packaged sub-charts (omitted: they are reported, not read). Returns { charts: [{ root, name,
 * appVersion, chartFile, values, extraValues, templates, parent, keys, children, writable,
 * packaged }], manifests: [file], skipped: [{ file, reason }], order: [every path, an archive's
 * files after it] }; charts sorted parents first.
 */
export function chartLayout(model, files, options = {}, within = null) {
  const skipped = [];
  const roots = files.filter((f) => /(^|\/)Chart\.yaml$/.test(f.path) && typeof f.text === 'string')
    .map((f) => ({ root: dirOf(f.path), chartFile: f }))
    .sort((a, b) => a.root.length - b.root.length);
  const charts = [];
  for (const { root, chartFile } of roots) {
    const meta = readChartYaml(model, chartFile);
    if (meta.error) skipped.push({ file: chartFile.path, line: meta.error.line, reason: { code: meta.error.code, message: meta.error.message } });
    // The nearest chart above whose charts/NAME/ this is.
    const parent = [...charts].reverse().find((c) => root.startsWith(`${c.root}charts/`) && !root.slice(c.root.length + 7, -1).includes('/')) ?? within;
    charts.push({
      root, chartFile, name: meta.name ?? root.slice(0, -1).split('/').pop() ?? '', appVersion: meta.appVersion,
      dependencies: meta.dependencies, parent, keys: [], children: [], values: null, extraValues: [], templates: [],
      writable: chartFile.writable !== false, packaged: chartFile.packaged ?? null,
    });
  }
  const owner = (path) => [...charts].reverse().find((c) => path.startsWith(c.root)) ?? null;
  const manifests = [];
  const packagedFiles = [];
  for (const f of files) {
    const chart = owner(f.path);
    if (!chart) {
      if (YAML_NAME.test(f.path) && typeof f.text === 'string') manifests.push(f);
      // A chart archive among the files (dropped beside manifests): read, not written back.
      else if (PACKAGED.test(f.path) && f.bytes && !within) packagedFiles.push({ chart: null, file: f });
      continue;
    }
    const rel = f.path.slice(chart.root.length);
    if (rel === 'Chart.yaml' || rel === 'Chart.lock' || rel === 'requirements.lock') continue;
    if (rel === 'values.yaml' && typeof f.text === 'string') chart.values = f;
    else if (rel.startsWith('templates/')) {
      if (typeof f.text === 'string' && !/NOTES\.txt$/.test(rel)) chart.templates.push(f);
    } else if (rel.startsWith('charts/') && PACKAGED.test(rel) && !rel.slice(7).includes('/')) packagedFiles.push({ chart, file: f });
    else if (rel === 'requirements.yaml' && typeof f.text === 'string') {
      // Helm 2 charts (apiVersion v1) list their dependencies here.
      const deps = readChartYaml(model, f).dependencies;
      chart.dependencies = [...chart.dependencies, ...deps];
    } else if (typeof f.text === 'string' && EXTRA_VALUES.test(rel)) chart.extraValues.push(f);
    else if (typeof f.text === 'string' && YAML_NAME.test(rel) && !/\.json$/i.test(rel)) manifests.push(f);
  }
  for (const c of charts) {
    if (!c.parent) continue;
    c.parent.children.push(c);
    // The parent's values section for this sub-chart: its alias, else its name; a chart listed
    // twice under two aliases is two sub-charts of the same files.
    const aliases = c.parent.dependencies.filter((d) => d.name === c.name && d.alias).map((d) => d.alias);
    c.keys = aliases.length ? aliases : [c.name];
  }
  // Packaged sub-charts: read when a reader is given, never written back.
  const packagedCharts = [];
  const inside = new Map(); // archive path -> its files' paths
  for (const { chart, file } of packagedFiles) {
    if (!options.readArchive) {
      skipped.push({ file: file.path, reason: { code: 'CHART_PACKAGED_UNREAD', message: `${file.path}: packaged charts are not read here` } });
      continue;
    }
    let inner;
    try {
      inner = options.readArchive(file.bytes ?? new TextEncoder().encode(file.text ?? ''), file.path)
        .map((g) => ({ ...g, path: `${file.path}!/${g.path}`, writable: false, packaged: file.path, topLevel: !chart }));
    } catch (e) {
      skipped.push({ file: file.path, reason: errorData(e) });
      continue;
    }
    const sub = chartLayout(model, inner, options, chart);
    packagedCharts.push(...sub.charts);
    skipped.push(...sub.skipped);
    inside.set(file.path, sub.order);
  }
  // Every file's path in reading order, an archive's files right after it.
  const order = files.flatMap((f) => [f.path, ...(inside.get(f.path) ?? [])]);
  return { charts: [...charts, ...packagedCharts], manifests, skipped, order };
}
