// Files irel writes appear whole or not at all, through a temporary file created exclusively under
// a random name beside the target: a file or symlink planted in the folder is never written through.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createAtomicFile, tempPathFor, writeFileAtomic } from '../../wasm/js/node/atomic-file.js';
import { makeTempDir, removeDir } from '../helpers/util.js';

describe('atomic files', () => {
  let dir;
  before(async () => { dir = await makeTempDir('irel-atomic-'); });
  after(() => removeDir(dir));

  it('writes the content whole and leaves no temporary file', async () => {
    const out = join(dir, 'mapping.json');
    await writeFileAtomic(out, '{"a":"b"}\n');
    assert.equal(readFileSync(out, 'utf8'), '{"a":"b"}\n');
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes('.tmp-')), []);
  });

  it('replaces a symlink planted at the target instead of writing through it', async () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    const out = join(dir, 'out.json');
    symlinkSync(victim, out);
    await writeFileAtomic(out, 'new');
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
    assert.equal(lstatSync(out).isSymbolicLink(), false);
    assert.equal(readFileSync(out, 'utf8'), 'new');
  });

  it('never writes through a symlink planted at the old predictable temporary name (OUT.tmp-PID)', async () => {
    const victim = join(dir, 'victim2');
    writeFileSync(victim, 'precious');
    const out = join(dir, 'bundle.tgz');
    symlinkSync(victim, `${out}.tmp-${process.pid}`);
    await writeFileAtomic(out, 'archive');
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
    assert.equal(readFileSync(out, 'utf8'), 'archive');
  });

  it('names temporary files unpredictably, beside the target', () => {
    const out = join(dir, 'x.tgz');
    const [a, b] = [tempPathFor(out), tempPathFor(out)];
    assert.notEqual(a, b);
    assert.equal(dirname(a), dir);
    assert.match(a, /\/\.x\.tgz\.tmp-[0-9a-f]{16}$/);
  });

  it('leaves the target as it was, and no temporary file, when aborted', async () => {
    const out = join(dir, 'kept.json');
    writeFileSync(out, 'old');
    const file = await createAtomicFile(out);
    await file.handle.writeFile('half');
    await file.abort();
    assert.equal(readFileSync(out, 'utf8'), 'old');
    assert.equal(existsSync(file.path), false);
  });

  it('fails with the error of the folder when it does not exist, creating nothing', async () => {
    await assert.rejects(writeFileAtomic(join(dir, 'missing', 'out.json'), 'x'), (e) => e.code === 'ENOENT');
    assert.equal(existsSync(join(dir, 'missing')), false);
  });
});
