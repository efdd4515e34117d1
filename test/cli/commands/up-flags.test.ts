// `meshlet up`'s container back-off flags, parsed by the real command-line
// program (commander, from UP_FLAGS) and turned into the pod runtime's options.

import t from 'tap';
import type { ParsedArgs } from '../../../control/cli/args.ts';
import { runProgram } from '../../../control/cli/program.ts';
import { restartBackoffFromArgs, UP_FLAGS } from '../../../control/cli/commands/up.ts';
import { RestartBackoff } from '../../../control/agent/containers/restart-backoff.ts';

/** Parses `up ARGV` as the CLI does, with a stand-in action that keeps the parsed flags. */
async function parseUp(argv: string[]): Promise<{ code: number; args: ParsedArgs | undefined }> {
  let args: ParsedArgs | undefined;
  const code = await runProgram([{ name: 'up', summary: 'test', operands: '[dirs...]', flags: UP_FLAGS, run: async (parsed) => { args = parsed; return 0; } }], ['up', ...argv]);
  return { code, args };
}

t.test('meshlet up --restart-backoff-ms / --restart-backoff-max-ms shorten the container back-off', async (t) => {
  const parsed = await parseUp(['--restart-backoff-ms', '200', '--restart-backoff-max-ms=500']);
  t.equal(parsed.code, 0);
  const options = restartBackoffFromArgs(parsed.args!);
  t.same(options, { initialMs: 200, maxMs: 500 });
  const backoff = new RestartBackoff(options);
  t.same([0, 0, 0, 0, 0].map(() => backoff.next(0).delayMs), [1000, 200, 400, 500, 500]);

  const plain = await parseUp([]);
  const defaults = new RestartBackoff(restartBackoffFromArgs(plain.args!));
  t.same([0, 0, 0].map(() => defaults.next(0).delayMs), [1000, 10_000, 20_000], "without the flags: kubelet's 10 s doubling");

  const stderr = process.stderr.write.bind(process.stderr);
  let said = '';
  process.stderr.write = ((chunk: string | Uint8Array) => ((said += String(chunk)), true)) as typeof process.stderr.write;
  const bad = await parseUp(['--restart-backoff-ms', 'soon']).finally(() => (process.stderr.write = stderr));
  t.equal(bad.code, 2, 'a non-number is a usage error');
  t.match(said, /restart-backoff-ms/);
});
