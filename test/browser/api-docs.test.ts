import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/http-app.js';
import { useRedis } from '../support/redis.js';
import { artifactsOf, launchChromium } from './browser-support.js';

/**
 * The API reference (/api/docs, Swagger UI) in Debian's Chromium under the page's
 * Content-Security-Policy (src/http/page-headers.ts): it must still render the document, and
 * nothing on it may be blocked by the policy. No lab needed: the app on a real Redis.
 */
const ctx = useRedis();
const { clear, screenshot } = artifactsOf('api-docs');
let browser: Browser;
beforeAll(async () => {
  await clear();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the API reference in a browser', () => {
  // Swagger UI takes its time over a document this size on a busy 2-core machine.
  it(
    'renders every tag of the document with its Content-Security-Policy in force, and nothing is blocked',
    { timeout: 120_000 },
    async () => {
      const { app } = await buildTestApp(ctx);
      const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
      await new Promise<void>((resolve) => server.once('listening', resolve));
      try {
        const page = await browser.newPage();
        const blocked: string[] = [];
        page.on('console', (message) => {
          if (/Content Security Policy|Refused to/i.test(message.text())) blocked.push(message.text());
        });
        await page.exposeFunction('reportViolation', (text: string) => blocked.push(text));
        await page.addInitScript(() => {
          document.addEventListener('securitypolicyviolation', (event) =>
            (window as unknown as { reportViolation(text: string): void }).reportViolation(
              `${event.violatedDirective} ${event.blockedURI}`,
            ),
          );
        });
        const response = await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/docs`);
        expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
        await page.getByRole('heading', { name: /Regionväxeln/, level: 1 }).waitFor({ timeout: 60_000 });
        await page.locator('#operations-tag-Operator').waitFor({ timeout: 60_000 });
        expect(await page.locator('h3.opblock-tag').count()).toBeGreaterThan(10);
        await screenshot(page, 'api-docs');
        expect(blocked).toEqual([]);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  );
});
