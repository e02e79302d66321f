import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type MiddlewareHandler } from 'hono';
import { WEB_BUILD_DIR } from '../web/build.js';
import { pageHeaders } from './page-headers.js';

/**
 * The web console (src/web/, built by Vite into dist/web/) at /konsol/: the operator view, the
 * wallboard and the admin pages, all talking to /api/v1 with the signed-in token. Outside /api,
 * so it needs no token itself; "/" leads there. Sent with the pages' security headers
 * (page-headers.ts): the build has no inline script; it may connect to `softphoneWsUrl`'s origin
 * too, where the operator's browser phone registers (media/softphone/).
 */
export function webConsoleRoutes({ softphoneWsUrl }: { softphoneWsUrl: string }) {
  // Made at the first request: serveStatic complains at once about a root not built yet, and
  // apps made by API tests never serve the console.
  let assets: MiddlewareHandler | undefined;
  const headers = pageHeaders({ connectTo: [new URL(softphoneWsUrl).origin] });
  return (
    new Hono()
      // On the console's own paths only: this router is mounted at the app's root.
      .use('/', headers)
      .use('/konsol', headers)
      .use('/konsol/*', headers)
      .get('/', (c) => c.redirect('/konsol/'))
      .get('/konsol', (c) => c.redirect('/konsol/'))
      .use('/konsol/*', async (c, next) => {
        assets ??= serveStatic({ root: WEB_BUILD_DIR, rewriteRequestPath: (path) => path.slice('/konsol'.length) });
        const response = await assets(c, next);
        // Hashed asset names never change content; index.html must be re-read to find new ones.
        response?.headers.set(
          'cache-control',
          c.req.path.startsWith('/konsol/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
        return response;
      })
  );
}
