import { provisionLab } from '../src/lab/provision.js';
import { ensureWebBuilt } from '../src/web/build.js';

/**
 * Before any test: the lab's host tools (redis-server, sipp, chromium) and Asterisk chroot, and
 * the web console's build (for test/browser/), so that `npm test` alone works on a fresh
 * machine. Reuses what is there; minutes only the first time.
 */
export default async function setup(): Promise<void> {
  await provisionLab({ onProgress: (line) => console.log(`[lab] ${line}`) });
  await ensureWebBuilt((line) => console.log(`[web] ${line}`));
}
