// `npm start` on a fresh checkout: the Bookinfo demo comes up, the printed
// ingress URL serves the product page with details and reviews, and Ctrl-C
// stops everything.

import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/wait.ts';
import { httpGet as get } from '../helpers/http.ts';
import { alive, processTree } from '../helpers/processes.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));


t.test('npm start serves Bookinfo through the printed ingress URL', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-start-'));
  const child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env: { ...process.env, MESHLET_HOME: home }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  t.teardown(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(home, { recursive: true, force: true });
  });

  const productUrl = await waitFor('the ingress URL on stdout', () => stdout.match(/product page: +(http:\/\/127\.0\.0\.1:\d+\/productpage)/)?.[1], { timeoutMs: 60_000 }).catch((err: Error) => {
    throw new Error(`${err.message}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  });
  t.match(stdout, /dashboard: +http:\/\/127\.0\.0\.1:\d+/, 'dashboard URL printed');
  t.match(stdout, /ingress: +http:\/\/127\.0\.0\.1:\d+\n/, 'ingress URL printed');

  const page = await waitFor('the product page with details and reviews', async () => {
    const res = await get(productUrl);
    return res.status === 200 && /Reviewer1/.test(res.body) && !/unavailable/i.test(res.body) ? res : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  t.match(page.body, /The Comedy of Errors/, 'book details rendered');
  t.match(page.body, /Book Reviews/, 'reviews rendered');

  const pgids = readdirSync(join(home, 'run', 'pids')).map(Number).filter(Number.isInteger);
  const tree = processTree(child.pid!, pgids);
  t.ok(tree.length >= 6, `${tree.length} processes run the demo`);

  // Ctrl-C in a terminal signals the whole foreground process group.
  process.kill(-child.pid!, 'SIGINT');
  await exited;
  await waitFor('meshlet reports stopping', () => /stopping the cluster/.test(stdout), { timeoutMs: 15_000 });
  await waitFor('all demo processes gone', () => (alive(tree.map((p) => p.pid)).length === 0 ? true : undefined), { timeoutMs: 15_000 });
});
