// Stands in for registry.k8s.io/hpa-example (the HPA walkthrough's php-apache):
// every request runs the image's index.php loop — a million square roots —
// and answers "OK!", so CPU use follows the request rate. ITERATIONS (the
// image map's env) scales the work per request; it is bounded, never a busy
// wait.
import { envPort } from '../lib/env.mjs';
import { sendText, serveHttp } from '../lib/serve.mjs';

const port = envPort('PORT', 80);
const iterations = Number(process.env.ITERATIONS ?? 1_000_000);
if (!Number.isInteger(iterations) || iterations < 0 || iterations > 100_000_000) {
  throw new Error(`hpa-example: ITERATIONS=${JSON.stringify(process.env.ITERATIONS)} must be an integer from 0 to 100000000`);
}

function burn() {
  let x = 0.0001;
  for (let i = 0; i <= iterations; i++) x += Math.sqrt(x);
  return x;
}

await serveHttp('hpa-example', port, (_req, res) => {
  burn();
  sendText(res, 200, 'OK!');
});
