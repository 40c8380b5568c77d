// What the Manifests tab reads: files dropped or chosen (YAML manifests, a chart's folder through
// <input webkitdirectory>) as [{ path, text | bytes }], or one chart archive (.tgz) handed to the
// worker as its File (read there, never uploaded). The input goes to the worker's findImages and
// rewrite ops as it is.
import { formatBytes, plural } from './format.js';

export const isChartArchiveName = (name) => /\.(tgz|tar\.gz|tar)$/i.test(name);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A File as a ManifestFile: text when it is UTF-8, bytes otherwise (a packaged sub-chart). */
async function manifestFile(file, path) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (isChartArchiveName(path)) return { path, bytes };
  try {
    return { path, text: utf8.decode(bytes) };
  } catch {
    return { path, bytes };
  }
}

/** A folder's files: its relative paths; version control folders left out. */
const folderPath = (file) => file.webkitRelativePath || file.name;
const ignored = (path) => path.split('/').some((part) => part === '.git' || part === '.svn' || part === '.hg');

/**
 * readInput(files) -> { input, kind: 'archive' | 'files', name, paths, description }. Throws an
 * error with a code for nothing usable or two files of the same name.
 */
export async function readInput(fileList) {
  const files = [...fileList].filter((f) => !ignored(folderPath(f)));
  if (!files.length) throw Object.assign(new Error('no files: drop YAML files, a chart archive (.tgz) or choose a chart folder'), { code: 'NO_FILES' });
  if (files.length === 1 && isChartArchiveName(files[0].name)) {
    const [file] = files;
    return { input: { file }, kind: 'archive', name: file.name, paths: [file.name],
      description: `Chart archive ${file.name} (${formatBytes(file.size)}), read in this browser.` };
  }
  const seen = new Set();
  for (const f of files) {
    const path = folderPath(f);
    if (seen.has(path)) throw Object.assign(new Error(`two files are named ${path}: choose their folder instead, or drop them one folder at a time`), { code: 'DUPLICATE_NAME' });
    seen.add(path);
  }
  const read = await Promise.all(files.map((f) => manifestFile(f, folderPath(f))));
  const folder = files[0].webkitRelativePath ? files[0].webkitRelativePath.split('/')[0] : '';
  const names = read.map((f) => f.path);
  const shown = names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', ');
  return {
    input: read,
    kind: 'files',
    name: folder || (read.length === 1 ? read[0].path : ''),
    folder,
    paths: names,
    description: folder ? `Folder ${folder}: ${plural(read.length, 'file')}.` : `${plural(read.length, 'file')}: ${shown}.`,
  };
}
