// `meshlet completion bash`: a bash completion function for commands,
// subcommands, flags, flag values and first operands.

import type { CommandSpec } from '../args.ts';
import { completionNodes, flagValueCompletion } from './completion-model.ts';

const quoteWords = (words: readonly string[]) => words.join(' ');

export function bashCompletionScript(commands: readonly CommandSpec[]): string {
  const nodes = completionNodes(commands);
  const cases: string[] = [];
  const valueCases: string[] = [];
  const topWords = [...commands.map((c) => c.name), 'help'];
  cases.push(`    /) words="${quoteWords(topWords)}"; flags="--help --version -h -V" ;;`);
  for (const { path, spec } of nodes) {
    const key = `${path[0]}/${path[1] ?? ''}`;
    const flags = [...(spec.flags ?? []).flatMap((f) => f.names), '--help', '-h'];
    const valued = (spec.flags ?? []).filter((f) => f.kind !== 'boolean').flatMap((f) => f.names);
    const subs = (spec.subcommands ?? []).map((s) => s.name);
    const operand = spec.completeOperand;
    const parts = [`flags="${quoteWords(flags)}"`, `valued="${quoteWords(valued)}"`];
    if (subs.length) parts.push(`words="${quoteWords(subs)}"`);
    else if (operand === 'files') parts.push('files=1');
    else if (operand) parts.push(`words="${quoteWords(operand)}"`);
    cases.push(`    ${key}) ${parts.join('; ')} ;;`);
    for (const flag of spec.flags ?? []) {
      const values = flagValueCompletion(flag);
      if (values === 'none') continue;
      const pattern = flag.names.map((n) => `${key}/${n}`).join('|');
      const action = values === 'files' ? 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))' : `COMPREPLY=($(compgen -W "${quoteWords(values)}" -- "$cur"))`;
      valueCases.push(`    ${pattern}) ${action}; return ;;`);
    }
  }
  return `# bash completion for meshlet. Load it with:
#   source <(meshlet completion bash)
# or save it as /etc/bash_completion.d/meshlet.
_meshlet() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local cmd="" sub="" i w
  local words="" flags="" valued="" files=""
  # The command and subcommand are the first words that are not flags or flag values.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    if [[ -z $cmd ]]; then
      cmd=$w
    elif [[ -z $sub ]]; then
      case "$cmd/$w" in
${nodes.filter((n) => n.path.length === 2).map((n) => `        ${n.path[0]}/${n.path[1]}) sub=$w ;;`).join('\n') || '        */*) ;;'}
      esac
    fi
  done
  case "$cmd/$sub" in
${cases.join('\n')}
    *) return ;;
  esac
  case "$cmd/$sub/$prev" in
${valueCases.join('\n') || '    */*/*) ;;'}
  esac
  # A value nobody can guess (a port, a name): offer nothing rather than flags.
  if [[ " $valued " == *" $prev "* ]]; then COMPREPLY=(); return; fi
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$flags" -- "$cur")); return; fi
  # Only the first operand (or the subcommand) has fixed words.
  local operands=0
  [[ -n $cmd ]] && operands=-1
  [[ -n $sub ]] && operands=-2
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* || " $valued " == *" \${COMP_WORDS[i-1]} "* ]] && continue
    ((operands++))
  done
  if [[ -n $words ]]; then
    ((operands == 0)) && COMPREPLY=($(compgen -W "$words" -- "$cur"))
    return
  fi
  if [[ -n $files ]]; then compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -F _meshlet meshlet
`;
}
