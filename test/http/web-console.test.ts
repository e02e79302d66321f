import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiDocsRoutes } from '../../src/http/api-docs.js';
import { webConsoleRoutes } from '../../src/http/web-console.js';
import { WEB_BUILD_DIR } from '../../src/web/build.js';

/** Where the console's browser phone registers: the one origin besides its own it may connect to. */
const SOFTPHONE_WS_URL = 'ws://127.0.0.1:8088/ws';

// The console is built by the global setup (test/global-setup.ts).
describe('web console assets', () => {
  const app = webConsoleRoutes({ softphoneWsUrl: SOFTPHONE_WS_URL });

  it('leads / to /konsol/, which serves the built page, never cached', async () => {
    const root = await app.request('/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/konsol/');
    const page = await app.request('/konsol/');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    expect(html).toContain('<html lang="sv">');
    expect(html).toMatch(/src="\/konsol\/assets\/index-[\w-]+\.js"/);
  });

  it('serves the hashed assets as immutable, and nothing outside the build', async () => {
    const [script] = (await readdir(join(WEB_BUILD_DIR, 'assets'))).filter((f) => f.endsWith('.js'));
    const asset = await app.request(`/konsol/assets/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await app.request('/konsol/../package.json')).status).toBe(404);
    expect((await app.request('/konsol/%2e%2e/package.json')).status).toBe(404);
  });
});

/** The security headers every page people open in a browser carries (src/http/page-headers.ts). */
function expectPageHeaders(headers: Headers, what: string, connectTo: string[] = []) {
  const csp = Object.fromEntries(
    (headers.get('content-security-policy') ?? '')
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name, values]),
  );
  expect(csp, what).toMatchObject({
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'connect-src': ["'self'", ...connectTo],
    // Only the console's own object URLs (a voice message it fetched with its token), nothing from elsewhere.
    'media-src': ["'self'", 'blob:'],
    'frame-ancestors': ["'none'"],
    'object-src': ["'none'"],
  });
  // No way around it: nothing inline, nothing evaluated, nothing from elsewhere.
  expect(JSON.stringify(csp), what).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  expect(headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(headers.get('referrer-policy'), what).toBe('no-referrer');
  expect(headers.get('x-frame-options'), what).toBe('DENY');
}

describe('security headers of the console and the API reference', () => {
  it('sends a CSP without inline script, connect-src self and the browser phone’s WebSocket, no framing, nosniff and no Referer on the console, its assets and its redirects', async () => {
    const app = webConsoleRoutes({ softphoneWsUrl: SOFTPHONE_WS_URL });
    const [script] = (await readdir(join(WEB_BUILD_DIR, 'assets'))).filter((f) => f.endsWith('.js'));
    for (const path of ['/', '/konsol', '/konsol/', `/konsol/assets/${script}`])
      expectPageHeaders((await app.request(path)).headers, path, ['ws://127.0.0.1:8088']);
    // The built page loads its script from a file: there is nothing inline for the policy to block.
    expect(await (await app.request('/konsol/')).text()).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
  });

  it('sends the same on the API reference, whose start script is a file of its own', async () => {
    const app = apiDocsRoutes();
    const page = await app.request('/api/docs');
    expectPageHeaders(page.headers, '/api/docs');
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).toContain('<script src="/api/docs/assets/start.js"></script>');
    const start = await app.request('/api/docs/assets/start.js');
    expect(start.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await start.text()).toContain("SwaggerUIBundle({ url: '/api/openapi.json'");
    expectPageHeaders(start.headers, 'start.js');
    expectPageHeaders((await app.request('/api/docs/assets/swagger-ui.css')).headers, 'swagger-ui.css');
  });
});
