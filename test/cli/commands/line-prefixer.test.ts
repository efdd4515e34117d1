// --prefix: every line gets its source's prefix, however the chunks split it.

import t from 'tap';
import { linePrefixer } from '../../../control/cli/commands/line-prefixer.ts';

t.test('whole lines only, whatever the chunking', async (t) => {
  const cases: { chunks: string[]; out: string }[] = [
    { chunks: ['a\nb\n'], out: 'P a\nP b\n' },
    { chunks: ['a', 'b\nc', '\n'], out: 'P ab\nP c\n' },
    { chunks: ['\n\n'], out: 'P \nP \n' },
    { chunks: ['no newline at the end'], out: 'P no newline at the end\n' },
    { chunks: [], out: '' },
  ];
  for (const c of cases) {
    const writes: string[] = [];
    const sink = linePrefixer('P ', (text) => writes.push(text));
    for (const chunk of c.chunks) sink.push(chunk);
    if (c.chunks.length > 1) t.ok(writes.every((w) => w.endsWith('\n')), 'never a partial line');
    sink.end();
    t.equal(writes.join(''), c.out, JSON.stringify(c.chunks));
  }
});
