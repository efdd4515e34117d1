// `meshlet logs <pod> [-c container] [-f] [--tail N] [-n ns]`

import { PODS } from '../../api/index.ts';
import { objectPath } from '../../client/index.ts';
import { parseArgs, str, num, bool, UsageError } from '../args.ts';
import { connect } from './connect.ts';

export async function logsCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [
    { names: ['-n', '--namespace'], key: 'namespace', kind: 'string' },
    { names: ['-c', '--container'], key: 'container', kind: 'string' },
    { names: ['-f', '--follow'], key: 'follow', kind: 'boolean' },
    { names: ['--tail'], key: 'tail', kind: 'number' },
    { names: ['-p', '--previous'], key: 'previous', kind: 'boolean' },
  ]);
  const pod = args.positional[0];
  if (!pod) throw new UsageError('logs needs a pod name');
  const query = new URLSearchParams();
  if (str(args, 'container')) query.set('container', str(args, 'container')!);
  if (bool(args, 'follow')) query.set('follow', 'true');
  if (bool(args, 'previous')) query.set('previous', 'true');
  if (num(args, 'tail') !== undefined) query.set('tailLines', String(num(args, 'tail')));
  const { client } = connect();
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    await client.streamText(`${objectPath(PODS, str(args, 'namespace') ?? 'default', pod, 'log')}?${query}`, (text) => process.stdout.write(text), abort.signal);
    return 0;
  } finally {
    client.close();
  }
}
