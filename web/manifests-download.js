// The rewritten files for download: one file as itself; several files, a chart folder or a chart
// archive as a .zip of all their files (changed or not, paths and directories kept). The page has
// no tar writer, so a chart archive comes back as a zip of the chart's files, not as a .tgz.
import { zip } from './zip.js';

const stem = (name) => name.replace(/\.(tgz|tar\.gz|tar)$/i, '');
const base = (path) => path.slice(path.lastIndexOf('/') + 1);

/**
 * download(result, input) -> { blob, name, kind: 'file' | 'zip', note }. result: the rewrite's
 * ({ files: [{ path, text | bytes | directory }] }); input: readInput()'s ({ kind, name, folder }).
 */
export function rewrittenDownload(result, input) {
  const files = result.files.filter((f) => !f.directory);
  if (input.kind === 'files' && !input.folder && files.length === 1) {
    const [f] = files;
    return { blob: new Blob([f.text ?? f.bytes], { type: 'application/yaml' }), name: base(f.path), kind: 'file',
      note: f.changed ? '' : 'Nothing in it changed.' };
  }
  const entries = result.files.map((f) => (f.directory ? { name: f.path, directory: true } : { name: f.path, data: f.text ?? f.bytes }));
  const bytes = zip(entries);
  const name = input.kind === 'archive' ? `${stem(input.name)}-relocated.zip`
    : input.folder ? `${input.folder}-relocated.zip` : 'manifests-relocated.zip';
  const note = input.kind === 'archive'
    ? `The chart comes as a .zip of its files (this page writes no .tgz): unzip it and run helm package on its folder, or run irel rewrite -o ${stem(input.name)}-relocated.tgz for an archive.`
    : '';
  return { blob: new Blob([bytes], { type: 'application/zip' }), name, kind: 'zip', note };
}
