// Weighted splits 50/50 and 80/20 hold within 4σ over 2000 requests each.

import t from 'tap';
import { weightWorld } from './weights.ts';

t.test('50/50 and 80/20', async (t) => {
  const check = await weightWorld(t, '127.250.11');
  await check([50, 50]);
  await check([80, 20]);
});
