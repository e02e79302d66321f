import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Hono } from 'hono';
import { pageHeaders } from './page-headers.js';

const swaggerUiDir = join(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'), '..');
const ASSETS = new Map([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
]);
/** Starts Swagger UI on the page: a file of its own, since the page's Content-Security-Policy allows no inline script. */
const START_SCRIPT = "SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#api' });\n";

/**
 * A readable reference at /api/docs, rendered by Swagger UI from /api/openapi.json. Its assets
 * come from the swagger-ui-dist package and are served here: no CDN, so it works offline too.
 * Sent with the pages' security headers (page-headers.ts).
 */
export function apiDocsRoutes() {
  const headers = pageHeaders();
  return new Hono()
    .use('/api/docs', headers)
    .use('/api/docs/*', headers)
    .get('/api/docs', (c) =>
      c.html(`<!doctype html>
<html lang="sv">
<head><meta charset="utf-8"><title>Regionväxeln API</title><link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="api"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/start.js"></script>
</body></html>`),
    )
    .get('/api/docs/assets/start.js', (c) =>
      c.body(START_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }),
    )
    .get('/api/docs/assets/:file', async (c) => {
      const file = c.req.param('file');
      const type = ASSETS.get(file);
      if (!type) return c.notFound();
      return c.body(await readFile(join(swaggerUiDir, file)), 200, {
        'content-type': type,
        'cache-control': 'public, max-age=86400',
      });
    });
}
