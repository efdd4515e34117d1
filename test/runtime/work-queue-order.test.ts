// WorkQueue's `less` option (the scheduler's QueueSort): waiting keys come
// out in that order, equal keys in arrival order; without it, first in first out.

import t from 'tap';
import { WorkQueue } from '../../control/runtime/work-queue.ts';

async function drain(q: WorkQueue, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = (await q.get())!;
    out.push(key);
    q.done(key);
  }
  return out;
}

t.test('keys come out by `less`, ties in arrival order', async (t) => {
  const rank: Record<string, number> = { a: 1, b: 3, c: 2, d: 3, e: 1 };
  const q = new WorkQueue({ less: (x, y) => rank[x]! > rank[y]! });
  for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
  t.same(await drain(q, 5), ['b', 'd', 'c', 'a', 'e']);
  q.shutdown();
});

t.test('without `less`, first in first out', async (t) => {
  const q = new WorkQueue();
  for (const k of ['a', 'b', 'c']) q.add(k);
  t.same(await drain(q, 3), ['a', 'b', 'c']);
  q.shutdown();
});
