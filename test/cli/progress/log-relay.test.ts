// The detached start's relay: only new, whole, matching lines of the log.

import t from 'tap';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { relayLogLines } from '../../../control/cli/progress/log-relay.ts';

t.test('passes on matching lines appended after the offset, whole lines only', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-relay-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'meshlet.log');
  const earlier = 'pods: from an earlier run\n';
  writeFileSync(file, earlier);
  const written: string[] = [];
  const relay = relayLogLines(file, Buffer.byteLength(earlier), (l) => l.startsWith('pods'), (text) => written.push(text));
  relay.poll();
  t.same(written, [], 'what was there before the offset is not repeated');
  appendFileSync(file, 'other line\npods: 1/2');
  relay.poll();
  t.same(written, [], 'a line still being written waits');
  appendFileSync(file, ' ready\nnoise\npods: 2/2 ready\n');
  relay.poll();
  t.same(written, ['pods: 1/2 ready\npods: 2/2 ready\n']);
  relay.poll();
  t.equal(written.length, 1, 'nothing new, nothing written');
  relay.close();
});
