// The command line itself, parsed by commander: --version, per-command
// --help, suggestions for a mistyped command, and exit code 2 for every kind
// of malformed command line (unknown command or flag, missing or bad value).

import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMeshlet } from '../helpers/meshlet-cli.ts';
import { UP_FLAGS } from '../../control/cli/commands/up.ts';

const home = mkdtempSync(join(tmpdir(), 'meshlet-program-'));
t.teardown(() => rmSync(home, { recursive: true, force: true }));
const meshlet = (...args: string[]) => runMeshlet(home, args, { timeoutMs: 60_000 });

t.test('--version prints package.json\'s version', async (t) => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const res = await meshlet(flag);
    t.equal(res.code, 0, res.stderr);
    t.equal(res.stdout.trim(), version, flag);
  }
});

t.test('CMD --help lists the command\'s options', async (t) => {
  const up = await meshlet('up', '--help');
  t.equal(up.code, 0, up.stderr);
  t.match(up.stdout, /^Usage: meshlet up \[options\] \[dirs\.\.\.\]/);
  for (const flag of UP_FLAGS) {
    const long = flag.names.find((n) => n.startsWith('--'))!;
    t.ok(up.stdout.includes(long), `up --help lists ${long}`);
  }
  t.match(up.stdout, /--nodes <N> +node agents to run/, 'with its help text');

  const logs = await meshlet('logs', '--help');
  t.match(logs.stdout, /-l, --selector <SELECTOR>/);
  t.match(logs.stdout, /--prefix/);

  const join = await meshlet('help', 'node');
  t.equal(join.code, 0);
  t.match(join.stdout, /join \[options\] +join this process as a node/, 'subcommands are listed');
  const joinHelp = await meshlet('node', 'join', '--help');
  t.match(joinHelp.stdout, /--store <redis:\/\/…>/);

  const top = await meshlet('--help');
  for (const name of ['up', 'down', 'status', 'apply', 'get', 'delete', 'logs', 'kubeconfig', 'proxy-config', 'explain', 'analyze', 'node', 'completion']) {
    t.match(top.stdout, new RegExp(`^  ${name}\\b`, 'm'), `meshlet --help lists ${name}`);
  }
});

t.test('a mistyped command suggests the right one and exits 2', async (t) => {
  const res = await meshlet('stauts');
  t.equal(res.code, 2);
  t.match(res.stderr, /unknown command 'stauts'/);
  t.match(res.stderr, /Did you mean status\?/);
  t.equal(res.stdout, '', 'nothing on stdout');
});

t.test('malformed flags fail with a clear message and exit 2', async (t) => {
  const cases: { args: string[]; message: RegExp }[] = [
    { args: ['up', '--bogus'], message: /meshlet up: unknown option '--bogus'/ },
    { args: ['up', '--node', '2'], message: /Did you mean --nodes\?/ },
    { args: ['up', '--nodes'], message: /meshlet up: option '--nodes <N>' argument missing/ },
    { args: ['up', '--nodes', 'two'], message: /argument 'two' is invalid\. expected a non-negative integer/ },
    { args: ['up', '--nodes=-1'], message: /argument '-1' is invalid/ },
    { args: ['get', 'pods', '-o'], message: /option '-o, --output <json\|yaml\|wide\|name>' argument missing/ },
    { args: ['logs'], message: /meshlet logs: logs needs a pod name or -l SELECTOR/ },
    { args: ['completion', 'fish'], message: /unsupported shell "fish"/ },
    { args: ['node', 'leave'], message: /unknown command 'leave'/ },
  ];
  for (const c of cases) {
    const res = await meshlet(...c.args);
    t.equal(res.code, 2, `meshlet ${c.args.join(' ')} exits 2`);
    t.match(res.stderr, c.message, `meshlet ${c.args.join(' ')}: ${res.stderr.split('\n')[0]}`);
  }
});

t.test('a command that fails for a reason other than its command line exits 1', async (t) => {
  const res = await meshlet('status');
  t.equal(res.code, 1);
  t.match(res.stderr, /meshlet status: no meshlet cluster is running/);
});
