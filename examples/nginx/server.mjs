// nginx-slim (registry.k8s.io/nginx-slim, the StatefulSet tutorial's image)
// as a static file server on :80: files under /usr/share/nginx/html, a
// directory answered by its index.html, 404 for anything else, 405 for
// methods other than GET/HEAD — what the image's default config does.
// NGINX_ROOT moves the root (tests); a volume mounted at the root is what
// the tutorial writes its index.html into.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { envPort } from '../lib/env.mjs';
import { serveHttp } from '../lib/serve.mjs';

const port = envPort('PORT', 80);
const root = normalize(process.env.NGINX_ROOT || '/usr/share/nginx/html');

const TYPES = {
  '.html': 'text/html',
  '.htm': 'text/html',
  '.txt': 'text/plain',
  '.css': 'text/css',
  '.js': 'application/javascript',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
};

function errorPage(res, status, title) {
  const body = `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  res.writeHead(status, { server: 'nginx', 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The file a URL path names under the root, or undefined when it escapes the root. */
function fileFor(pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const path = normalize(join(root, decoded));
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep) ? path : undefined;
}

async function regularFile(path) {
  try {
    const s = await stat(path);
    if (s.isFile()) return { path, size: s.size };
    if (s.isDirectory()) {
      const index = join(path, 'index.html');
      const i = await stat(index);
      if (i.isFile()) return { path: index, size: i.size };
    }
  } catch {
    // missing: 404 below
  }
  return undefined;
}

await serveHttp('nginx', port, async (req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') return errorPage(res, 405, 'Not Allowed');
  const pathname = new URL(req.url ?? '/', 'http://nginx').pathname;
  const path = fileFor(pathname);
  const file = path === undefined ? undefined : await regularFile(path);
  if (!file) return errorPage(res, 404, 'Not Found');
  res.writeHead(200, { server: 'nginx', 'content-type': TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream', 'content-length': file.size });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file.path).on('error', () => res.destroy()).pipe(res);
});
