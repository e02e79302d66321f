import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { webConsoleRoutes } from '../../src/http/web-console.js';
import { WEB_BUILD_DIR } from '../../src/web/build.js';

// The console is built by the global setup (test/global-setup.ts).
describe('web console assets', () => {
  const app = webConsoleRoutes();

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
