// Files that appear whole or not at all: written under a temporary name next to the target and
// renamed over it when complete. The temporary file is created exclusively (O_CREAT|O_EXCL, which
// never follows a symlink) under an unpredictable name, so a file or symlink planted in the
// target's folder cannot be written through.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A fresh temporary path beside `target`: DIR/.NAME.tmp-RANDOM. */
export function tempPathFor(target) {
  return join(dirname(target), `.${basename(target)}.tmp-${randomBytes(8).toString('hex')}`);
}

/**
 * Creates a temporary file beside `target` exclusively. Resolves { path, handle (a FileHandle),
 * commit() (close, rename over target), abort() (close, remove) }.
 */
export async function createAtomicFile(target) {
  const path = tempPathFor(target);
  const handle = await open(path, 'wx', 0o644);
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return {
    path,
    handle,
    async commit() {
      await close();
      await rename(path, target);
    },
    async abort() {
      await close().catch(() => {});
      await rm(path, { force: true });
    },
  };
}

/** Writes `data` (string or bytes) to `target` atomically. */
export async function writeFileAtomic(target, data) {
  const file = await createAtomicFile(target);
  try {
    await file.handle.writeFile(data);
    await file.commit();
  } catch (e) {
    await file.abort();
    throw e;
  }
}
