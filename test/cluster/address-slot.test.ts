// Address slots are shared by every user of the machine: the slot root is
// sticky and world-writable, a second user claims the next free slot, and a
// directory they cannot write is reported as a permission error, not as "all
// slots taken".

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { Test } from 'tap';
import { claimAddressSlot } from '../../control/cluster/address-slot.ts';

const moduleUrl = new URL('../../control/cluster/address-slot.ts', import.meta.url).href;
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

interface ClaimResult {
  status: number | null;
  index?: number;
  code?: string;
  message?: string;
}

/** Claims a slot in a child process, as another user when the test runs as root. */
function claimInChild(root: string): ClaimResult {
  const script = `
    const { claimAddressSlot } = await import(${JSON.stringify(moduleUrl)});
    try {
      const slot = claimAddressSlot(${JSON.stringify(root)});
      console.log(JSON.stringify({ index: slot.index }));
    } catch (err) {
      console.log(JSON.stringify({ code: err.code, message: err.message }));
    }`;
  const out = spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
    timeout: 60_000,
    ...(isRoot ? { uid: NOBODY, gid: NOBODY, env: { ...process.env, HOME: '/tmp' } } : {}),
  });
  const line = out.stdout.trim().split('\n').pop() ?? '';
  try {
    return { status: out.status, ...(JSON.parse(line) as Omit<ClaimResult, 'status'>) };
  } catch {
    throw new Error(`child printed no result (status ${out.status}): ${out.stdout}\n${out.stderr}`);
  }
}

function scratch(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-slot-test-'));
  chmodSync(dir, 0o755); // other users must be able to reach the slot root inside
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('the slot root is created sticky and world-writable despite the umask', async (t) => {
  const root = join(scratch(t), 'slots');
  const old = process.umask(0o022);
  t.teardown(() => process.umask(old));
  const slot = claimAddressSlot(root);
  t.teardown(() => slot.release());
  t.equal((statSync(root).mode & 0o7777).toString(8), '1777');
  t.equal(slot.index, 0);
});

t.test('a root left at 755 by an older version is repaired by its owner', async (t) => {
  const root = join(scratch(t), 'slots');
  mkdirSync(root, { mode: 0o755 });
  const slot = claimAddressSlot(root);
  t.teardown(() => slot.release());
  t.equal((statSync(root).mode & 0o7777).toString(8), '1777');
});

// As root the child runs as nobody; otherwise it is a second process of the
// same user, which takes the same path except for the ownership check.
t.test('a second user claims the next slot while the first cluster runs', async (t) => {
  const root = join(scratch(t), 'slots');
  const mine = claimAddressSlot(root);
  t.teardown(() => mine.release());
  const theirs = claimInChild(root);
  t.equal(theirs.code, undefined, `no error: ${theirs.message ?? ''}`);
  t.equal(theirs.index, 1, 'the other user got slot 1');
});

t.test("a dead slot the user may not remove is skipped, not an error", async (t) => {
  const root = join(scratch(t), 'slots');
  claimAddressSlot(root); // make the root, then fake a dead owner of slot 0
  const dead = spawnSync('true');
  writeFileSync(join(root, '0', 'pid'), String(dead.pid));
  // As root the child is another user; otherwise a read-only slot stands in
  // for one this user does not own.
  if (!isRoot) {
    chmodSync(join(root, '0'), 0o555);
    t.teardown(() => chmodSync(join(root, '0'), 0o755));
  }
  const theirs = claimInChild(root);
  t.equal(theirs.code, undefined, `no error: ${theirs.message ?? ''}`);
  t.equal(theirs.index, 1, 'slot 0 cannot be reclaimed by this user, so slot 1 is taken');
});

t.test('a slot directory the user cannot write is a permission error', async (t) => {
  const parent = scratch(t);
  const root = join(parent, 'slots');
  if (isRoot) {
    mkdirSync(root, { mode: 0o755 }); // what older versions left: root-owned, 755
    chmodSync(root, 0o755);
  } else {
    chmodSync(parent, 0o555); // the root cannot even be created
    t.teardown(() => chmodSync(parent, 0o755));
  }
  const result = isRoot ? claimInChild(root) : (() => {
    try {
      claimAddressSlot(root);
      return { status: 0 } as ClaimResult;
    } catch (err) {
      const e = err as Error & { code?: string };
      return { status: 0, code: e.code, message: e.message };
    }
  })();
  t.equal(result.code, 'MESHLET_SLOT_PERMISSION');
  t.match(result.message, /permission denied/);
  t.notMatch(result.message, /slots are taken/);
});
