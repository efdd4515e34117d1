// Quantities as quota messages print them: exact sums, Kubernetes' canonical
// suffixes (BinarySI stays binary from 1Ki up; below that and for fractions it
// is decimal), and the parse errors for text that is no quantity.

import t from 'tap';
import { add, compare, formatQuantity, parseQuantity } from '../../control/quota/quantity.ts';

const canonical: [string, string][] = [
  ['1Gi', '1Gi'], ['1024Mi', '1Gi'], ['1536Mi', '1536Mi'], ['0.5Gi', '512Mi'], ['500m', '500m'], ['0.5', '500m'], ['2000', '2k'], ['1', '1'],
  ['1e3', '1k'], ['100M', '100M'], ['1000Ki', '1000Ki'], ['512Ki', '512Ki'], ['0', '0'], ['1.5', '1500m'], ['2k', '2k'],
];
for (const [input, want] of canonical) t.equal(formatQuantity(parseQuantity(input)), want, `${input} → ${want}`);

t.test('sums keep the format of what they add and compare exactly', async (t) => {
  t.equal(formatQuantity(add(parseQuantity('1Gi'), parseQuantity('1Gi'))), '2Gi');
  t.equal(formatQuantity(add(parseQuantity('250m'), parseQuantity('750m'))), '1');
  t.equal(formatQuantity(add({ milli: 0n, format: 'DecimalSI' }, parseQuantity('512Mi'))), '512Mi', 'zero takes the other side\'s format');
  t.equal(compare(parseQuantity('1Gi'), parseQuantity('1073741824')), 0);
  t.equal(compare(parseQuantity('1G'), parseQuantity('1Gi')), -1);
  t.equal(compare(parseQuantity('2'), parseQuantity('1999m')), 1);
});

t.test('text that is no quantity is refused with the Kubernetes rule', async (t) => {
  for (const bad of ['', 'abc', '1Gb', '1..2', 'Gi']) t.throws(() => parseQuantity(bad), { code: 'MESHLET_BAD_QUANTITY' }, JSON.stringify(bad));
});
