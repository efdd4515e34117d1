// Bookinfo details (stands in for examples-bookinfo-details-v1/v2): book facts as JSON on :9080.
// The real v2 can look books up on googleapis.com; meshlet is offline, so with
// ENABLE_EXTERNAL_BOOK_SERVICE it still answers from the built-in record.
import { envPort } from '../../lib/env.mjs';
import { sendJson, serveHttp } from '../../lib/serve.mjs';

const port = envPort('PORT', 9080);

function bookDetails(id) {
  return {
    id,
    author: 'William Shakespeare',
    year: 1595,
    type: 'paperback',
    pages: 200,
    publisher: 'PublisherA',
    language: 'English',
    'ISBN-10': '1234567890',
    'ISBN-13': '123-1234567890',
  };
}

await serveHttp('details', port, (req, res) => {
  const path = new URL(req.url ?? '/', 'http://details').pathname;
  if (path === '/health') return sendJson(res, 200, { status: 'Details is healthy' });
  const match = /^\/details\/([^/]*)$/.exec(path);
  if (req.method === 'GET' && match) {
    if (!/^-?\d+$/.test(match[1])) return sendJson(res, 400, { error: 'please provide numeric product id' });
    return sendJson(res, 200, bookDetails(Number(match[1])));
  }
  return sendJson(res, 404, { error: 'not found' });
});
