// Builds the commander program from the commands' specs and runs it. Exit
// codes: 0 done (and --help, --version), 1 the command failed, 2 the command
// line was wrong (unknown command or flag, missing value, bad number), as
// POSIX tools and commander's own conventions have it.

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { MeshletError } from '../api/index.ts';
import { toOption, UsageError } from './args.ts';
import type { CommandSpec, ParsedArgs } from './args.ts';

export const USAGE_EXIT_CODE = 2;

const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

export function meshletVersion(): string {
  return (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;
}

/** Exit codes commander reports that are not usage errors. */
const CLEAN_EXITS = new Set(['commander.helpDisplayed', 'commander.version']);

interface RunState {
  code: number;
}

function configure(cmd: Command, path: string): Command {
  return cmd
    .exitOverride()
    .showHelpAfterError(`(run "${path} --help" for usage)`)
    .configureOutput({ outputError: (text, write) => write(`${path}: ${text.replace(/^error: /, '')}`) });
}

function buildCommand(spec: CommandSpec, parentPath: string, argv: readonly string[], state: RunState): Command {
  const path = `${parentPath} ${spec.name}`;
  const cmd = configure(new Command(spec.name), path).description(spec.summary);
  for (const sub of spec.subcommands ?? []) cmd.addCommand(buildCommand(sub, path, argv, state));
  if (spec.operands) cmd.arguments(spec.operands);
  for (const flag of spec.flags ?? []) cmd.addOption(toOption(flag));
  const run = spec.run;
  if (run) {
    cmd.action(async (...values: unknown[]) => {
      const self = values[values.length - 1] as Command;
      const options = self.opts();
      const flags: ParsedArgs['flags'] = {};
      for (const flag of spec.flags ?? []) {
        const option = toOption(flag);
        flags[flag.key] = options[option.attributeName()] as ParsedArgs['flags'][string];
      }
      try {
        state.code = await run({ positional: [...self.args], flags }, argsAfter(argv, path));
      } catch (err) {
        state.code = reportFailure(path, err);
      }
    });
  }
  return cmd;
}

/** The raw words after the command's own name (`up --detach` re-runs itself with them). */
function argsAfter(argv: readonly string[], path: string): string[] {
  let rest = [...argv];
  for (const word of path.split(' ').slice(1)) {
    const at = rest.indexOf(word);
    rest = at < 0 ? rest : rest.slice(at + 1);
  }
  return rest;
}

/** An error from the operating system (a port taken, a file missing): its message says it all, a stack adds nothing. */
function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string' && typeof (err as NodeJS.ErrnoException).code === 'string';
}

function systemErrorHint(err: NodeJS.ErrnoException): string {
  if (err.code === 'EADDRINUSE') return ' (another process is listening there: stop it, or pick a free port with the matching --*-port flag)';
  if (err.code === 'EACCES' && err.syscall === 'listen') return ' (ports below 1024 need root)';
  return '';
}

function reportFailure(path: string, err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`${path}: ${err.message}\n`);
    return USAGE_EXIT_CODE;
  }
  if (err instanceof MeshletError) process.stderr.write(`${path}: ${err.message}\n`);
  else if (isSystemError(err)) process.stderr.write(`${path}: ${err.message}${systemErrorHint(err)}\n`);
  else process.stderr.write(`${path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}

export function buildProgram(commands: readonly CommandSpec[], argv: readonly string[], state: RunState): Command {
  const program = configure(new Command('meshlet'), 'meshlet')
    .description('Kubernetes networking and an Istio-like mesh on one machine')
    .version(meshletVersion(), '-V, --version', 'print the meshlet version')
    .addHelpText('after', '\nEnvironment: MESHLET_HOME (default ~/.meshlet) holds the running cluster\'s state.');
  for (const spec of commands) program.addCommand(buildCommand(spec, 'meshlet', argv, state));
  return program;
}

export async function runProgram(commands: readonly CommandSpec[], argv: readonly string[]): Promise<number> {
  const state: RunState = { code: 0 };
  const program = buildProgram(commands, argv, state);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.code;
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (CLEAN_EXITS.has(err.code)) return 0;
    // Bare `meshlet` prints the help to stderr and fails, as before.
    if (err.code === 'commander.help') return err.exitCode;
    return USAGE_EXIT_CODE;
  }
}
