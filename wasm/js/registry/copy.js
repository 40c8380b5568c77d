// Copying an image (or index) from one repository to another with its digest preserved.
import { relocate } from '../transfer/relocate.js';
import { registrySource, registryTarget } from './registry-place.js';

export function copyImage(ctx, srcText, dstText, options = {}) {
  return relocate(ctx,
    (signal) => registrySource(ctx, srcText, signal),
    (signal, source) => registryTarget(ctx, dstText, signal, source, options),
    options, { targetBeside: true });
}
