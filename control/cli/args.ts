// How a command declares its flags and operands. Parsing is commander's
// (program.ts turns these specs into commander options); commands read the
// result through the typed accessors below. One FlagSpec line is one flag:
// its help text, its completion and its parsing all come from it.

import { InvalidArgumentError, Option } from 'commander';
import { MeshletError } from '../api/index.ts';

export interface FlagSpec {
  /** Names including dashes: ['-n', '--namespace']; at most one short and one long. */
  names: string[];
  key: string;
  kind: 'string' | 'strings' | 'number' | 'boolean';
  /** One line for --help. */
  help?: string;
  /** Placeholder shown in --help for the value (default: VALUE, N for numbers). */
  value?: string;
  /** Used when the flag is absent. */
  default?: string | number | boolean;
}

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | string[] | number | boolean | undefined>;
}

export interface CommandSpec {
  name: string;
  /** One line for the command list and --help. */
  summary: string;
  /** commander argument syntax, e.g. '<kind> [name]' or '[files...]'. */
  operands?: string;
  flags?: readonly FlagSpec[];
  /** What the first operand completes to: file names, or fixed words. */
  completeOperand?: 'files' | readonly string[];
  /** Gets the parsed flags and operands, and the raw words after the command's name. */
  run?: (args: ParsedArgs, raw: readonly string[]) => Promise<number>;
  subcommands?: readonly CommandSpec[];
}

export class UsageError extends MeshletError {
  constructor(message: string) {
    super('MESHLET_CLI_USAGE', message);
  }
}

export const str = (a: ParsedArgs, key: string): string | undefined => a.flags[key] as string | undefined;
export const strs = (a: ParsedArgs, key: string): string[] => (a.flags[key] as string[] | undefined) ?? [];
export const num = (a: ParsedArgs, key: string): number | undefined => a.flags[key] as number | undefined;
export const bool = (a: ParsedArgs, key: string): boolean => a.flags[key] === true;

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer.');
  return n;
}

function appendValue(value: string, previous: unknown): string[] {
  return Array.isArray(previous) ? [...(previous as string[]), value] : [value];
}

/** The commander Option for a spec; `spec.key` may differ from commander's camel-cased name. */
export function toOption(spec: FlagSpec): Option {
  const short = spec.names.find((n) => /^-[^-]$/.test(n));
  const long = spec.names.find((n) => n.startsWith('--'));
  const names = [short, long].filter(Boolean).join(', ');
  const placeholder = spec.value ?? (spec.kind === 'number' ? 'N' : 'VALUE');
  const flags = spec.kind === 'boolean' ? names : `${names} <${placeholder}>`;
  const option = new Option(flags, spec.help ?? '');
  if (spec.kind === 'number') option.argParser(nonNegativeInteger);
  if (spec.kind === 'strings') option.argParser(appendValue);
  if (spec.default !== undefined) option.default(spec.default);
  return option;
}
