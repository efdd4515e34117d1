// Progress output: redrawn in place on a terminal; elsewhere a new line per
// change, never more than one a second (time from a ManualClock).

import t from 'tap';
import { ManualClock } from '../../../control/api/index.ts';
import { ProgressLine } from '../../../control/cli/progress/progress-line.ts';

function recorder(isTTY: boolean) {
  const writes: string[] = [];
  return { out: { isTTY, write: (text: string) => writes.push(text) }, writes };
}

t.test('not a terminal: at most one line a second, changes only, the last state always', async (t) => {
  const clock = new ManualClock(10_000);
  const { out, writes } = recorder(false);
  const line = new ProgressLine(out, clock);
  line.update('0/2 ready');
  line.update('0/2 ready');
  clock.advance(300);
  line.update('1/2 ready');
  t.same(writes, ['0/2 ready\n'], 'a change within a second is held back');
  clock.advance(700);
  line.update('1/2 ready');
  t.same(writes, ['0/2 ready\n', '1/2 ready\n'], 'a second later the change is printed');
  clock.advance(5000);
  line.update('1/2 ready');
  t.equal(writes.length, 2, 'no repeats of an unchanged line');
  line.finish('2/2 ready');
  t.same(writes, ['0/2 ready\n', '1/2 ready\n', '2/2 ready\n'], 'finish prints regardless of the interval');
});

t.test('finish does not repeat the line just printed', async (t) => {
  const { out, writes } = recorder(false);
  const line = new ProgressLine(out, new ManualClock());
  line.update('1/1 ready');
  line.finish('1/1 ready');
  t.same(writes, ['1/1 ready\n']);
});

t.test('a terminal: every change redraws the one line, finish ends it', async (t) => {
  const { out, writes } = recorder(true);
  const line = new ProgressLine(out, new ManualClock());
  line.update('0/2 ready');
  line.update('1/2 ready');
  line.update('1/2 ready');
  line.finish('2/2 ready');
  t.same(writes, ['\r\x1b[K0/2 ready', '\r\x1b[K1/2 ready', '\r\x1b[K2/2 ready\n']);
});
