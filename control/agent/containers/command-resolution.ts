// Turns a container spec plus the image map into the program to execute, or
// into the waiting reason kubelet would show when it cannot be run.
//
//   command given      → command[0] (PATH lookup, or relative to the working dir) with command[1..] + args
//                        ($(VAR) references in command and args expanded from the container env)
//   image mapped       → the mapped program (.mjs/.js/.cjs under this Node.js, .ts/.mts/.cts with
//                        tsx's loader) with args ?? the image's args
//   neither            → waiting ImageNotMapped (no retry: nothing changes until the map does)

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, extname, isAbsolute, resolve } from 'node:path';
import type { ContainerRunSpec, ImageMap, ImageMapEntry } from './types.ts';

export interface ResolvedCommand {
  ok: true;
  /** Absolute path of the executable. */
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** The image map entry, when the image is mapped (its ports feed readiness). */
  image?: ImageMapEntry;
}

export interface UnresolvedCommand {
  ok: false;
  /** kubelet's waiting reason: ImageNotMapped or RunContainerError. */
  reason: 'ImageNotMapped' | 'RunContainerError';
  message: string;
}

const NODE_EXTENSIONS = new Set(['.mjs', '.js', '.cjs']);
const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);

/** tsx's loader, resolved from meshlet's own dependencies (the program's directory need not have it). */
function tsxLoader(): string | undefined {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return undefined;
  }
}
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** PATH lookup as execvp does it; names with a slash resolve against cwd. */
export function findExecutable(name: string, pathVar: string, cwd: string): string | undefined {
  if (name.includes('/')) {
    const path = isAbsolute(name) ? name : resolve(cwd, name);
    return isExecutableFile(path) ? path : undefined;
  }
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = resolve(cwd, dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  if (name === 'node' || name === 'nodejs') return process.execPath;
  return undefined;
}

/**
 * Kubernetes' `$(VAR)` expansion in command and args: a defined VAR is
 * replaced, an undefined one is left as written, `$$` is an escaped `$`.
 */
export function expandVariables(text: string, env: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '(') {
      const close = text.indexOf(')', i + 2);
      if (close > i + 2) {
        const name = text.slice(i + 2, close);
        if (Object.prototype.hasOwnProperty.call(env, name)) {
          out += env[name];
          i = close;
          continue;
        }
      }
    }
    out += c;
  }
  return out;
}

function runError(message: string): UnresolvedCommand {
  return { ok: false, reason: 'RunContainerError', message };
}

function notFoundMessage(name: string): string {
  const what = name.includes('/') ? `stat ${name}: no such file or directory` : `exec: "${name}": executable file not found in $PATH`;
  return `failed to start container: meshlet runtime: ${what}`;
}

/**
 * Resolves what to execute. `userMapFile` is named in the ImageNotMapped message
 * so the user knows where to add a mapping.
 */
export function resolveContainerCommand(spec: ContainerRunSpec, imageMap: ImageMap): ResolvedCommand | UnresolvedCommand {
  const mapped = spec.image ? imageMap.lookup(spec.image) : undefined;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? DEFAULT_PATH,
    ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
    ...(mapped?.env ?? {}),
    ...spec.env,
  };
  const imageDir = mapped ? (mapped.workingDir ?? resolve(mapped.program, '..')) : undefined;
  const cwd = spec.workingDir ? resolve(imageDir ?? process.cwd(), spec.workingDir) : (imageDir ?? process.cwd());
  if (!isDirectory(cwd)) {
    return runError(`failed to start container: meshlet runtime: chdir to cwd ("${cwd}") set in config.json failed: no such file or directory`);
  }

  const expand = (list: string[] | undefined): string[] | undefined => list?.map((a) => expandVariables(a, spec.env));
  const specArgs = expand(spec.args);
  if (spec.command && spec.command.length > 0) {
    const [name, ...rest] = expand(spec.command) as [string, ...string[]];
    const file = findExecutable(name, env.PATH ?? DEFAULT_PATH, cwd);
    if (!file) return runError(notFoundMessage(name));
    return { ok: true, file, args: [...rest, ...(specArgs ?? [])], env, cwd, ...(mapped ? { image: mapped } : {}) };
  }

  if (!mapped) {
    if (!spec.image) {
      return runError('failed to start container: meshlet runtime: the container has neither a command nor an image');
    }
    const where = imageMap.userFile ?? 'a user image map file (e.g. ~/.meshlet/images.yaml)';
    return {
      ok: false,
      reason: 'ImageNotMapped',
      message:
        `image "${spec.image}" is not mapped to a local program and the container has no command; ` +
        `add it to ${where} (images: { ${imageKeyHint(spec.image)}: { program: path/to/server.mjs } }) or give the container a command`,
    };
  }

  const args = specArgs ?? mapped.args ?? [];
  const extension = extname(mapped.program);
  if (NODE_EXTENSIONS.has(extension) || TYPESCRIPT_EXTENSIONS.has(extension)) {
    try {
      if (!statSync(mapped.program).isFile()) throw new Error('not a file');
    } catch {
      return runError(notFoundMessage(mapped.program));
    }
    const loader = TYPESCRIPT_EXTENSIONS.has(extension) ? tsxLoader() : undefined;
    const nodeArgs = loader ? ['--import', loader] : [];
    return { ok: true, file: process.execPath, args: [...nodeArgs, mapped.program, ...args], env, cwd, image: mapped };
  }
  if (!isExecutableFile(mapped.program)) return runError(notFoundMessage(mapped.program));
  return { ok: true, file: mapped.program, args, env, cwd, image: mapped };
}

function imageKeyHint(image: string): string {
  const at = image.indexOf('@');
  let ref = at >= 0 ? image.slice(0, at) : image;
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) ref = ref.slice(0, colon);
  return ref;
}
