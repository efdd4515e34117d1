// `meshlet completion zsh`: a zsh completion function (compsys) with the
// commands' summaries and each flag's help.

import type { CommandSpec, FlagSpec } from '../args.ts';
import { flagValueCompletion } from './completion-model.ts';

/** Inside a single-quoted zsh word, and inside _arguments' [help] / _describe's name:help. */
const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;
const escapeSpec = (text: string) => text.replace(/[[\]:\\]/g, (c) => `\\${c}`);

function argumentSpec(flag: FlagSpec): string {
  const names = flag.names;
  const exclusive = names.length > 1 ? `(${names.join(' ')})` : '';
  const repeat = flag.kind === 'strings' ? '*' : exclusive;
  const help = `[${escapeSpec(flag.help ?? '')}]`;
  const values = flagValueCompletion(flag);
  const action = values === 'files' ? '_files' : values === 'none' ? ' ' : `(${values.join(' ')})`;
  const placeholder = flag.value ?? (flag.kind === 'number' ? 'N' : 'VALUE');
  const value = flag.kind === 'boolean' ? '' : `:${escapeSpec(placeholder)}:${action}`;
  const nameWord = names.length > 1 ? `{${names.join(',')}}` : names[0]!;
  return `${repeat ? quote(repeat) : ''}${nameWord}${quote(`${help}${value}`)}`;
}

function describeList(name: string, specs: readonly CommandSpec[], indent: string): string {
  const entries = specs.map((s) => `${indent}  ${quote(`${escapeSpec(s.name)}:${escapeSpec(s.summary)}`)}`);
  return `${indent}local -a ${name}\n${indent}${name}=(\n${entries.join('\n')}\n${indent})`;
}

function commandBody(spec: CommandSpec, depth: number, indent: string): string {
  const subs = spec.subcommands ?? [];
  if (subs.length) {
    const cases = subs.map((s) => `${indent}  ${s.name})\n${commandBody(s, depth + 1, `${indent}    `)}\n${indent}    ;;`);
    return [
      `${indent}if (( CURRENT == ${depth + 3} )); then`,
      describeList('subcommands', subs, `${indent}  `),
      `${indent}  _describe -t commands ${quote(`meshlet ${spec.name} command`)} subcommands`,
      `${indent}  return`,
      `${indent}fi`,
      `${indent}case $words[${depth + 3}] in`,
      ...cases,
      `${indent}esac`,
    ].join('\n');
  }
  const operand = spec.completeOperand;
  const operandSpec = operand === 'files' ? `${quote('*:file:_files')}` : operand ? quote(`1:operand:(${operand.join(' ')})`) : '';
  const specs = [...(spec.flags ?? []).map(argumentSpec), "'(- *)'{-h,--help}'[show help]'", operandSpec].filter(Boolean);
  // Make the command's own name words[1], as _arguments expects.
  return [
    `${indent}shift ${depth + 1} words`,
    `${indent}(( CURRENT -= ${depth + 1} ))`,
    `${indent}_arguments -s \\`,
    specs.map((s, i) => `${indent}  ${s}${i === specs.length - 1 ? '' : ' \\'}`).join('\n'),
  ].join('\n');
}

export function zshCompletionScript(commands: readonly CommandSpec[]): string {
  const cases = commands.map((c) => `    ${c.name})\n${commandBody(c, 0, '      ')}\n      ;;`);
  return `#compdef meshlet
# zsh completion for meshlet. Load it with (after compinit):
#   source <(meshlet completion zsh)
# or save it as _meshlet in a directory on $fpath.
_meshlet() {
  if (( CURRENT == 2 )); then
${describeList('commands', commands, '    ')}
    _describe -t commands 'meshlet command' commands
    return
  fi
  case $words[2] in
${cases.join('\n')}
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _meshlet "$@"
else
  compdef _meshlet meshlet
fi
`;
}
