// What the shell scripts complete, derived from the command specs so a flag
// added to a spec completes without touching the scripts.

import type { CommandSpec, FlagSpec } from '../args.ts';

export type ValueCompletion = 'files' | 'none' | readonly string[];

/** A placeholder like `json|yaml|wide|name` lists the choices; FILE/DIR ones complete paths. */
export function flagValueCompletion(flag: FlagSpec): ValueCompletion {
  const placeholder = flag.value ?? '';
  if (/^[a-z]+(\|[a-z]+)+$/.test(placeholder)) return placeholder.split('|');
  if (/\b(FILE|DIR)\b/.test(placeholder)) return 'files';
  return 'none';
}

export interface CompletionNode {
  /** Words from the top, e.g. ['node', 'join']; [] for meshlet itself. */
  path: string[];
  spec: CommandSpec;
}

/** Every command and subcommand, depth first. */
export function completionNodes(commands: readonly CommandSpec[], path: string[] = []): CompletionNode[] {
  return commands.flatMap((spec) => [{ path: [...path, spec.name], spec }, ...completionNodes(spec.subcommands ?? [], [...path, spec.name])]);
}
