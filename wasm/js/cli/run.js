// The irel command line: dispatches to one module per command. Exit status 0 success, 1 when any
// input failed, 2 for a usage error.
import { parseArgs } from 'node:util';

import { IrelError, load, VERSION } from '../node.js';
import { bundleCommand } from './bundle.js';
import { copyCommand } from './copy.js';
import { digestCommand } from './digest.js';
import { layoutCommand } from './layout.js';
import { mapCommand } from './map.js';
import { parseCommand } from './parse.js';
import { relocateCommand } from './relocate.js';
import { serveCommand } from './serve.js';
import { UsageError } from './usage-error.js';

const COMMANDS = [parseCommand, mapCommand, digestCommand, copyCommand, relocateCommand, layoutCommand, bundleCommand, serveCommand];

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
    io.stdout.write((topic ? topic.usage : mainUsage()) + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`irel ${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
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
    return await command.run(parsed, io, await load());
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
