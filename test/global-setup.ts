import { provisionLab } from '../src/lab/provision.js';

/**
 * Before any test: the lab's host tools (redis-server, sipp) and Asterisk chroot, so that
 * `npm test` alone works on a fresh machine. Reuses what is there; minutes only the first time.
 */
export default async function setup(): Promise<void> {
  await provisionLab({ onProgress: (line) => console.log(`[lab] ${line}`) });
}
