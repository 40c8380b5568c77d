// The irel command line: dispatches to one module per command. Exit status 0 success, 1 when any
// input failed, 2 for a usage error.
import { parseArgs } from 'node:util';

import { IrelError } from '../errors.js';
import { VERSION } from '../version.js';
import { UsageError } from './usage-error.js';

// Each command's module (and the package and the wasm core behind it) is loaded only when that
// command runs: start-up is paid on every invocation, and `irel --version` or a usage error
// should not load an HTTP server, a tar writer and a WebAssembly module.
const COMMANDS = [
  { name: 'parse', summary: 'parse and normalize image references', load: () => import('./parse.js').then((m) => m.parseCommand) },
  { name: 'map', summary: 'map image references under a repository prefix', load: () => import('./map.js').then((m) => m.mapCommand) },
  { name: 'digest', summary: 'print the digest of an image or index', load: () => import('./digest.js').then((m) => m.digestCommand) },
  { name: 'copy', summary: 'copy an image or index between registries, layouts and archives, digest preserved', load: () => import('./copy.js').then((m) => m.copyCommand) },
  { name: 'relocate', summary: 'relocate a list of images to a repository prefix and write the mapping',
    load: () => import('./relocate.js').then((m) => m.relocateCommand) },
  { name: 'layout', summary: 'copy images between registries and OCI image layouts', load: () => import('./layout.js').then((m) => m.layoutCommand) },
  { name: 'bundle', summary: 'map, relocate and check the images of a bundle', load: () => import('./bundle.js').then((m) => m.bundleCommand) },
  { name: 'images', summary: 'list the image references of Kubernetes manifests and Helm charts',
    load: () => import('./images.js').then((m) => m.imagesCommand) },
  { name: 'rewrite', summary: 'rewrite the images of manifests and charts to their relocated names',
    load: () => import('./rewrite.js').then((m) => m.rewriteCommand) },
  { name: 'serve', summary: 'serve the web app and the registry proxy it uses', load: () => import('./serve.js').then((m) => m.serveCommand) },
];

function mainUsage() {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `Usage: irel COMMAND [OPTIONS] [ARGS...]

irel relocates Docker/OCI images to other registries with their digests preserved.

Commands:
${list}

Options:
  -h, --help     show help (also: irel COMMAND --help)
      --version  print the version

Run 'irel COMMAND --help' for a command's options.`;
}

export async function run(argv, io) {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' && COMMANDS.find((c) => c.name === rest[0]);
    io.stdout.write((topic ? (await topic.load()).usage : mainUsage()) + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`irel ${VERSION}\n`);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  let command = null;
  // The package and its wasm core load beside the command's module (the wasm compiles off
  // this thread while the modules are parsed); a usage error or --help leaves them unused.
  const loading = entry ? import('../node.js').then((m) => m.load()) : null;
  loading?.catch(() => {}); // awaited below, when the command runs
  try {
    if (!entry) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
    command = await entry.load();
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...command.options, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UsageError(e.message.replace(/\. To specify a positional.*$/s, ''), command);
    }
    if (parsed.values.help) {
      io.stdout.write(command.usage + '\n');
      return 0;
    }
    return await command.run(parsed, io, await loading);
  } catch (e) {
    if (e instanceof IrelError) {
      io.stderr.write(`irel ${name}: ${e.message}${e.code ? ` [${e.code}]` : ''}\n`);
      return 1;
    }
    if (!(e instanceof UsageError)) throw e;
    const where = e.command ? `irel ${e.command.name}` : 'irel';
    io.stderr.write(`${where}: ${e.message}\n`);
    io.stderr.write(`Run '${where} --help' for usage.\n`);
    return 2;
  }
}
