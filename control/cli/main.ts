// The `meshlet` command: the list of subcommands, each declared in its own
// file under commands/; program.ts parses with commander and maps errors to
// exit codes.

import type { CommandSpec } from './args.ts';
import { runProgram } from './program.ts';
import { upCommand } from './commands/up.ts';
import { downCommand } from './commands/down.ts';
import { statusCommand } from './commands/status.ts';
import { applyCommand } from './commands/apply.ts';
import { getCommand } from './commands/get.ts';
import { deleteCommand } from './commands/delete.ts';
import { logsCommand } from './commands/logs.ts';
import { kubeconfigCommand } from './commands/kubeconfig.ts';
import { meshCommands } from './commands/mesh.ts';
import { nodeCommand } from './commands/node.ts';
import { completionCommand } from './commands/completion.ts';

const COMMANDS: readonly CommandSpec[] = [
  upCommand,
  downCommand,
  nodeCommand,
  statusCommand,
  applyCommand,
  getCommand,
  deleteCommand,
  logsCommand,
  kubeconfigCommand,
  ...meshCommands,
];

/** Every command, with `completion` last so its scripts can list all of them. */
export const ALL_COMMANDS: readonly CommandSpec[] = [...COMMANDS, completionCommand(COMMANDS)];

export function main(argv: string[]): Promise<number> {
  return runProgram(ALL_COMMANDS, argv);
}
