// What `irel images` and `irel rewrite` share: the inputs (YAML files, directories of manifests
// or charts, chart archives) read through the package's findImages/rewrite, each file named as
// the user would find it (the argument, a directory's file under it, an archive's entry after
// `!/`), problems that mean an input could not be read, and reasons as one-line messages.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { IrelError } from '../errors.js';

/** The hints file's text ({ hints, hintsName } for the options), or {} without --hints. */
export async function hintsOptions(path) {
  if (path === undefined) return {};
  try {
    return { hints: await readFile(path, 'utf8'), hintsName: path };
  } catch (e) {
    throw new IrelError({ code: 'HINTS_UNREADABLE', message: `--hints ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.code ?? e.message}` });
  }
}

/**
 * Where a result's `file` is, as the user names it: the argument for a file, a directory's file
 * under it, an archive's entry after `!/` (as packaged sub-charts are named), a hint's problem in
 * the hints file.
 */
export function displayFile(input, source, entry, hintsName) {
  const file = entry.file;
  if (entry.hint !== undefined && file === hintsName) return file;
  if (file === undefined) return input;
  if (source?.kind === 'directory') return join(input, file);
  if (source?.kind === 'archive') return `${input}!/${file}`;
  return input;
}

/**
 * Entries of `skipped` that say a file could not be read (a YAML document that does not parse, a
 * Chart.yaml in error, a packaged sub-chart that cannot be opened): these have no value of their
 * own (an image value) and name no hint.
 */
export function unreadable(skipped) {
  return skipped.filter((s) => s.value === undefined && s.hint === undefined && s.image === undefined);
}

/** A skipped entry of a hint that names nothing (not an input's problem: a warning). */
export function hintProblems(skipped) {
  return skipped.filter((s) => s.hint !== undefined);
}

/**
 * A reason as one line: its message without the location the caller prints already (the
 * package's messages start with `FILE: PATH: ` or `FILE:LINE: `), and its code.
 */
export function reasonText(entry) {
  let message = entry.reason?.message ?? String(entry.reason ?? 'unknown');
  const strip = (p) => {
    if (p && message.startsWith(p)) message = message.slice(p.length);
  };
  strip(`${entry.file}:${entry.line}: `);
  strip(`${entry.file}: `);
  if (entry.path) strip(`${entry.path}: `);
  return `${message}${entry.reason?.code ? ` [${entry.reason.code}]` : ''}`;
}

/** `FILE:LINE` (the line when known). */
export function at(file, entry) {
  return entry.line ? `${file}:${entry.line}` : file;
}

/** A value as printed among space-separated fields: JSON-quoted when empty or holding spaces. */
export function shown(value) {
  const v = String(value ?? '');
  return v === '' || /\s/.test(v) ? JSON.stringify(v) : v;
}

// Paths compared component by component, as a directory is read (sorted names at each level).
function comparePaths(a, b) {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return x.length - y.length;
}

/** Findings and skipped values of one input in one list, by file, document, line and column. */
export function byLocation(entries) {
  const key = (e) => [e.document ?? 0, e.line ?? 0, e.column ?? 0];
  return [...entries].sort((a, b) => {
    const files = comparePaths(a.file ?? '', b.file ?? '');
    if (files) return files;
    const [p, q] = [key(a), key(b)];
    for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return p[i] - q[i];
    return 0;
  });
}

/**
 * Runs `read(input)` (findImages or rewrite of { path: input }) for every input, all of them even
 * when one fails: [{ input, result } | { input, error }]. An input whose files do not all parse
 * is an error too, naming each file and document.
 */
export async function readInputs(inputs, read, hintsName) {
  const out = [];
  for (const input of inputs) {
    try {
      const result = await read(input);
      const bad = unreadable(result.skipped);
      if (bad.length) {
        const lines = bad.map((s) => `cannot read ${at(displayFile(input, result.source, s, hintsName), s)}: ${reasonText(s)}`);
        out.push({ input, result, error: { message: lines.join('\n') } });
      } else out.push({ input, result });
    } catch (e) {
      if (!(e instanceof IrelError)) throw e;
      out.push({ input, error: { message: `cannot read ${e.message}${e.code ? ` [${e.code}]` : ''}` } });
    }
  }
  return out;
}
