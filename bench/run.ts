// `npm run bench [name...]`: runs every bench/*.ts that exports run() (or the
// named ones, e.g. `npm run bench -- dns-perf mesh-proxy`), one after another so
// they do not compete for the two cores, and reports which ones failed.

import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .filter((f) => wanted.length === 0 || wanted.includes(basename(f, '.ts')))
  .sort();

const failures: string[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run?: () => Promise<unknown> };
  if (typeof mod.run !== 'function') continue;
  process.stdout.write(`\n=== ${basename(file, '.ts')} ===\n`);
  const started = Date.now();
  try {
    await mod.run();
    process.stdout.write(`(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  } catch (err) {
    failures.push(file);
    process.stdout.write(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
}
process.stdout.write(`\nbenchmarks run: ${files.length - failures.length} ok, ${failures.length} failed${failures.length ? ` (${failures.join(', ')})` : ''}\n`);
process.exitCode = failures.length ? 1 : 0;
