// helloworld (stands in for istio's examples-helloworld-v1/v2) on :5000.
// SERVICE_VERSION comes from the image map, as the real images bake it in.
import { envPort, podName } from '../lib/env.mjs';
import { sendText, serveHttp } from '../lib/serve.mjs';

const port = envPort('PORT', 5000);
const version = process.env.SERVICE_VERSION ?? 'v1';

await serveHttp('helloworld', port, (req, res) => {
  const path = new URL(req.url ?? '/', 'http://helloworld').pathname;
  if (path === '/hello') return sendText(res, 200, `Hello version: ${version}, instance: ${podName()}\n`);
  if (path === '/health') return sendText(res, 200, 'Helloworld is healthy');
  return sendText(res, 404, 'Not Found');
});
