import 'ari-client';

/**
 * ari-client 2.2.0 reads Asterisk's ARI description (Swagger 1.x) with swagger-client 2.0,
 * which says "This API is using a deprecated version of Swagger!" on stdout once per ARI
 * resource at every connect, through a global `log` function it defines itself (sloppy-mode
 * `log = function …` in swagger.js; ari-client is unmaintained, so it will not change). Those
 * lines only tell that Asterisk's ARI is Swagger 1.x, which it always is, and buried the
 * switchboard's own start-up output. Only that sentence is dropped here; anything else
 * swagger-client logs (a content type the server does not take) still goes to the console.
 */
const DEPRECATED_SWAGGER = 'This API is using a deprecated version of Swagger!';

const globals = globalThis as { log?: (...args: unknown[]) => void };
const swaggerLog = globals.log;
if (swaggerLog) {
  globals.log = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith(DEPRECATED_SWAGGER)) return;
    swaggerLog.apply(globalThis, args);
  };
}
