// Stand-in for general-purpose images (curlimages/curl, busybox, alpine) run without a
// `command`: their arguments name the program to run, as the image's CMD/ENTRYPOINT would.
// ENTRYPOINT_PREPEND mimics an entrypoint script such as curl's: when the first argument is
// an option (or not a command on PATH), the named program is put in front of it.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

function onPath(name) {
  if (isAbsolute(name)) return true;
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

let argv = process.argv.slice(2);
const prepend = process.env.ENTRYPOINT_PREPEND;
if (prepend && (argv.length === 0 || argv[0].startsWith('-') || !onPath(argv[0]))) argv = [prepend, ...argv];
if (argv.length === 0) {
  console.error('exec: nothing to run (the container has neither command nor args)');
  process.exit(2);
}

const [file, ...args] = argv;
const child = spawn(file, args, { stdio: 'inherit' });
child.on('error', (err) => {
  console.error(`exec: cannot run ${JSON.stringify(file)}: ${err.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 0)));
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
