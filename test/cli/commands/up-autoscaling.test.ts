// `meshlet up`'s HPA and metrics flags, parsed by the real command-line
// program from UP_FLAGS, in kube-controller-manager's duration syntax.

import t from 'tap';
import type { ParsedArgs } from '../../../control/cli/args.ts';
import { UsageError } from '../../../control/cli/args.ts';
import { runProgram } from '../../../control/cli/program.ts';
import { UP_FLAGS } from '../../../control/cli/commands/up.ts';
import { autoscalingOptionsFromArgs, parseDuration } from '../../../control/cli/commands/up-autoscaling.ts';

async function parseUp(argv: string[]): Promise<ParsedArgs> {
  let args: ParsedArgs | undefined;
  const code = await runProgram([{ name: 'up', summary: 'test', operands: '[dirs...]', flags: UP_FLAGS, run: async (parsed) => { args = parsed; return 0; } }], ['up', ...argv]);
  if (code !== 0 || !args) throw new Error(`up ${argv.join(' ')} exited ${code}`);
  return args;
}

t.test('the flags reach the cluster options in milliseconds', async (t) => {
  const args = await parseUp(['--horizontal-pod-autoscaler-sync-period', '3s', '--horizontal-pod-autoscaler-downscale-stabilization=1m30s', '--metric-resolution', '500ms']);
  t.same(autoscalingOptionsFromArgs(args), { hpaSyncPeriodMs: 3000, hpaDownscaleStabilizationMs: 90_000, metricResolutionMs: 500 });
  t.same(autoscalingOptionsFromArgs(await parseUp([])), {}, 'unset: the controller defaults (15s, 5m0s, 15s)');
  t.same(autoscalingOptionsFromArgs(await parseUp(['--horizontal-pod-autoscaler-downscale-stabilization', '0'])), { hpaDownscaleStabilizationMs: 0 }, 'no window at all');
});

t.test("Go's duration syntax, and precise errors", async (t) => {
  t.equal(parseDuration('--x', '5m0s'), 300_000);
  t.equal(parseDuration('--x', '1h'), 3_600_000);
  t.equal(parseDuration('--x', '1.5s'), 1500);
  t.throws(() => parseDuration('--horizontal-pod-autoscaler-sync-period', '15'), { message: 'invalid value "15" for --horizontal-pod-autoscaler-sync-period: expected a duration such as 15s, 1m30s or 500ms' });
  const tooShort = t.throws(() => autoscalingOptionsFromArgs({ flags: { hpaSyncPeriod: '1ms' }, positional: [] }));
  t.ok(tooShort instanceof UsageError, 'a usage error');
});
