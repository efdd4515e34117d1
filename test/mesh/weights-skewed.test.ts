// Weighted splits 90/10 and a three-way 60/30/10 hold within 4σ over 2000 requests each.

import t from 'tap';
import { weightWorld } from './weights.ts';

t.test('90/10 and three ways', async (t) => {
  const check = await weightWorld(t, '127.250.12');
  await check([90, 10]);
  await check([60, 30, 10]);
});
