import t from 'tap';
import { parseArgs } from '../../../control/cli/args.ts';
import { restartBackoffFromArgs, UP_FLAGS } from '../../../control/cli/commands/up.ts';
import { RestartBackoff } from '../../../control/agent/containers/restart-backoff.ts';

t.test('meshlet up --restart-backoff-ms / --restart-backoff-max-ms shorten the container back-off', async (t) => {
  const options = restartBackoffFromArgs(parseArgs(['--restart-backoff-ms', '200', '--restart-backoff-max-ms=500'], UP_FLAGS));
  t.same(options, { initialMs: 200, maxMs: 500 });
  const backoff = new RestartBackoff(options);
  t.same([0, 0, 0, 0, 0].map(() => backoff.next(0).delayMs), [1000, 200, 400, 500, 500]);

  const defaults = new RestartBackoff(restartBackoffFromArgs(parseArgs([], UP_FLAGS)));
  t.same([0, 0, 0].map(() => defaults.next(0).delayMs), [1000, 10_000, 20_000], "without the flags: kubelet's 10 s doubling");
  t.throws(() => parseArgs(['--restart-backoff-ms', 'soon'], UP_FLAGS), { code: 'MESHLET_CLI_USAGE' });
});
