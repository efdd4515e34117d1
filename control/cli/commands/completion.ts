// `meshlet completion bash|zsh`: prints a shell completion script built from
// the command specs, so it always knows every command and flag.

import { UsageError } from '../args.ts';
import type { CommandSpec } from '../args.ts';
import { bashCompletionScript } from '../completion/bash-script.ts';
import { zshCompletionScript } from '../completion/zsh-script.ts';

const SHELLS = ['bash', 'zsh'] as const;

export function completionCommand(commands: readonly CommandSpec[]): CommandSpec {
  const self: CommandSpec = {
    name: 'completion',
    summary: 'print a shell completion script: source <(meshlet completion bash)',
    operands: '<shell>',
    completeOperand: SHELLS,
    run: async (args) => {
      const all = [...commands, self];
      const shell = args.positional[0];
      if (shell === 'bash') process.stdout.write(bashCompletionScript(all));
      else if (shell === 'zsh') process.stdout.write(zshCompletionScript(all));
      else throw new UsageError(`unsupported shell "${shell}" (${SHELLS.join(', ')})`);
      return 0;
    },
  };
  return self;
}
