// Mesh inspection commands (proxy-config, explain, analyze) are wired once
// the mesh's explain/analyze library lands; see mesh/README.md.

type Command = (argv: string[]) => Promise<number>;

export const meshCommands: Record<string, Command> = {};
