// A small argument parser with per-command flag specs: repeatable flags,
// flags with values (`--nodes 3`, `--nodes=3`, `-n ns`) and booleans.

import { MeshletError } from '../api/index.ts';

export interface FlagSpec {
  /** Names including dashes: ['-n', '--namespace']. */
  names: string[];
  key: string;
  kind: 'string' | 'strings' | 'number' | 'boolean';
}

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | string[] | number | boolean | undefined>;
}

export class UsageError extends MeshletError {
  constructor(message: string) {
    super('MESHLET_CLI_USAGE', message);
  }
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const positional: string[] = [];
  const flags: ParsedArgs['flags'] = {};
  for (const spec of specs) if (spec.kind === 'strings') flags[spec.key] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = specs.find((s) => s.names.includes(name));
    if (!spec) throw new UsageError(`unknown flag: ${name}`);
    if (spec.kind === 'boolean') {
      flags[spec.key] = eq > 0 ? arg.slice(eq + 1) !== 'false' : true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`flag needs an argument: ${name}`);
    if (spec.kind === 'number') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`invalid value "${value}" for ${name}: expected a non-negative integer`);
      flags[spec.key] = n;
    } else if (spec.kind === 'strings') {
      (flags[spec.key] as string[]).push(value);
    } else {
      flags[spec.key] = value;
    }
  }
  return { positional, flags };
}

export const str = (a: ParsedArgs, key: string): string | undefined => a.flags[key] as string | undefined;
export const strs = (a: ParsedArgs, key: string): string[] => (a.flags[key] as string[] | undefined) ?? [];
export const num = (a: ParsedArgs, key: string): number | undefined => a.flags[key] as number | undefined;
export const bool = (a: ParsedArgs, key: string): boolean => a.flags[key] === true;
