// The page's static files (HTML, vanilla JS modules, CSS) from ./page, read once at startup.
import { readFile } from 'node:fs/promises';
import { DashboardError } from './errors.ts';

export interface Asset {
  contentType: string;
  body: Buffer;
}

const PAGE_FILES: Record<string, { file: string; contentType: string }> = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', contentType: 'text/javascript; charset=utf-8' },
  '/graph.js': { file: 'graph.js', contentType: 'text/javascript; charset=utf-8' },
  '/panels.js': { file: 'panels.js', contentType: 'text/javascript; charset=utf-8' },
  '/dom.js': { file: 'dom.js', contentType: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', contentType: 'text/css; charset=utf-8' },
};

export async function loadAssets(): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const [path, { file, contentType }] of Object.entries(PAGE_FILES)) {
    const url = new URL(`./page/${file}`, import.meta.url);
    try {
      assets.set(path, { contentType, body: await readFile(url) });
    } catch (err) {
      throw new DashboardError('MESHLET_DASHBOARD_ASSET', `cannot read page asset ${file}`, { cause: err });
    }
  }
  return assets;
}
