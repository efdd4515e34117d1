// `meshlet completion bash|zsh` prints scripts that work in the real shells:
// bash is driven through COMP_WORDS/COMP_CWORD and the registered function,
// zsh through a pseudo-terminal where Tab runs its completion system.

import t from 'tap';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMeshlet } from '../../helpers/meshlet-cli.ts';
import { UP_FLAGS } from '../../../control/cli/commands/up.ts';

const home = mkdtempSync(join(tmpdir(), 'meshlet-completion-'));
t.teardown(() => rmSync(home, { recursive: true, force: true }));

function shell(file: string, args: string[], script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args, script], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${file} failed: ${stderr}`)) : resolve(stdout)));
  });
}

const hasZsh = (() => {
  try {
    execFileSync('zsh', ['-c', 'true']);
    return true;
  } catch {
    return false;
  }
})();

t.test('bash', async (t) => {
  const res = await runMeshlet(home, ['completion', 'bash']);
  t.equal(res.code, 0, res.stderr);
  const script = join(home, 'meshlet.bash');
  writeFileSync(script, res.stdout);
  writeFileSync(join(home, 'kube.yaml'), '');
  // One line per case: the words typed (the last one is being completed) → what bash offers.
  const complete = (words: string[]) => `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _meshlet; echo "${words.join(' ')} => \${COMPREPLY[*]}"`;
  const cases: string[][] = [
    ['meshlet', ''],
    ['meshlet', 'st'],
    ['meshlet', 'up', '--'],
    ['meshlet', 'up', '--ima'],
    ['meshlet', 'up', '--nodes', ''],
    ['meshlet', 'up', '-f', join(home, 'kub')],
    ['meshlet', 'node', ''],
    ['meshlet', 'node', 'join', '--st'],
    ['meshlet', 'get', 'po'],
    ['meshlet', 'get', 'cronj'],
    ['meshlet', 'get', 'pods', ''],
    ['meshlet', 'get', 'pods', '-o', ''],
    ['meshlet', 'logs', '--pre'],
    ['meshlet', 'completion', ''],
  ];
  const out = await shell('bash', ['--norc', '--noprofile', '-c'], [`source '${script}'`, 'complete -p meshlet', ...cases.map(complete)].join('\n'));
  const lines = out.trim().split('\n');
  t.equal(lines[0], 'complete -F _meshlet meshlet', 'the function is registered for meshlet');
  const offered = new Map(lines.slice(1).map((l) => [l.split(' => ')[0]!, (l.split(' => ')[1] ?? '').split(' ').filter(Boolean)]));
  const get = (words: string[]) => offered.get(words.join(' ')) ?? [];

  t.ok(['up', 'down', 'status', 'apply', 'get', 'delete', 'logs', 'node', 'completion', 'explain'].every((c) => get(['meshlet', '']).includes(c)), 'every command');
  t.same(get(['meshlet', 'st']), ['status']);
  const upLongFlags = UP_FLAGS.map((f) => f.names.find((n) => n.startsWith('--'))!);
  t.same(get(['meshlet', 'up', '--']).filter((f) => f !== '--help').sort(), [...upLongFlags].sort(), 'every flag of up');
  t.same(get(['meshlet', 'up', '--ima']), ['--image-map']);
  t.same(get(['meshlet', 'up', '--nodes', '']), [], 'a number is not guessed');
  t.same(get(['meshlet', 'up', '-f', join(home, 'kub')]), [join(home, 'kube.yaml')], '-f completes file names');
  t.same(get(['meshlet', 'node', '']), ['join'], 'subcommands');
  t.same(get(['meshlet', 'node', 'join', '--st']), ['--store'], 'flags of a subcommand');
  t.same(get(['meshlet', 'get', 'po']), ['pods', 'poddisruptionbudgets'], 'resource kinds');
  t.same(get(['meshlet', 'get', 'cronj']), ['cronjobs'], 'the workload kinds too');
  t.same(get(['meshlet', 'get', 'pods', '']), [], 'only the first operand is a kind');
  t.same(get(['meshlet', 'get', 'pods', '-o', '']), ['json', 'yaml', 'wide', 'name'], 'flag values');
  t.same(get(['meshlet', 'logs', '--pre']), ['--prefix', '--previous']);
  t.same(get(['meshlet', 'completion', '']), ['bash', 'zsh']);
});

// zsh has no COMP_WORDS: its completion runs inside the line editor, so type into an interactive zsh and read back the line.
const ZSH_DRIVER = `
zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z 'PS1="> "; autoload -Uz compinit; compinit -u -D; source "$SCRIPT"; zstyle ":completion:*" menu no; print READY'
expect() {
  local out="" line deadline=$(( SECONDS + 30 ))
  while (( SECONDS < deadline )); do
    if zpty -r -t z line; then out+=$line; [[ $out == *$1* ]] && { print -r -- "$out"; return 0; }; else sleep 0.05; fi
  done
  print -r -- "TIMEOUT: $out"; return 1
}
expect READY >/dev/null
zpty -w -n z "$TYPED"$'\\t'
expect "$WANT"
`;

t.test('zsh', async (t) => {
  if (!hasZsh) {
    t.fail('zsh is not installed: apt-get install -y zsh (.ci/system-packages.sh lists it)');
    return;
  }
  const res = await runMeshlet(home, ['completion', 'zsh']);
  t.equal(res.code, 0, res.stderr);
  const script = join(home, '_meshlet');
  writeFileSync(script, res.stdout);
  await shell('zsh', ['-n'], script).catch((err: Error) => t.fail(`syntax: ${err.message}`));
  writeFileSync(join(home, 'driver.zsh'), ZSH_DRIVER);
  const cases: { typed: string; want: string }[] = [
    { typed: 'meshlet stat', want: 'meshlet status' },
    { typed: 'meshlet up --ima', want: 'meshlet up --image-map' },
    { typed: 'meshlet node jo', want: 'meshlet node join' },
    { typed: 'meshlet node join --sto', want: 'meshlet node join --store' },
    { typed: 'meshlet get -o ya', want: 'meshlet get -o yaml' },
    { typed: 'meshlet completion zs', want: 'meshlet completion zsh' },
  ];
  for (const c of cases) {
    const out = await new Promise<string>((resolve) => {
      execFile('zsh', ['-f', join(home, 'driver.zsh')], { env: { ...process.env, SCRIPT: script, TYPED: c.typed, WANT: c.want }, timeout: 60_000 }, (_err, stdout) => resolve(stdout));
    });
    // What the line editor drew after the prompt, without its colour and cursor sequences.
    const drawn = out.slice(out.lastIndexOf('> ')).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x1f]/g, '');
    t.ok(!out.startsWith('TIMEOUT') && drawn.includes(c.want), `zsh completes "${c.typed}" to "${c.want}" (drawn: ${JSON.stringify(drawn)})`);
  }
});
