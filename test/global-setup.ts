import type { TestProject } from 'vitest/node';
import { provisionHostTools, provisionLab } from '../src/lab/provision.js';
import { ensureWebBuilt } from '../src/web/build.js';

const lab = () => provisionLab({ onProgress: (line) => console.log(`[lab] ${line}`) }).then(() => undefined);
const webConsole = () => ensureWebBuilt((line) => console.log(`[web] ${line}`));

/**
 * What each tier of vitest.config.ts needs before its tests, so that `npm test` alone works on a
 * fresh machine and a tier run alone sets up no more than it needs. Reuses what is there;
 * minutes only the first time the lab is provisioned. The unit tier has no set-up at all.
 */
const SET_UP: Record<string, (() => Promise<void>)[]> = {
  // espeak-ng and sox: the switchboard speaks stored texts (test/http/spoken.test.ts); the console's build: test/http/web-console.test.ts.
  redis: [
    () =>
      provisionHostTools(['redis-server', 'redis-sentinel', 'espeak-ng', 'sox'], {
        onProgress: (line) => console.log(`[tools] ${line}`),
      }),
    webConsole,
  ],
  // The lab's host tools (redis-server, sipp, chromium...), its Asterisk chroot and its prompts.
  lab: [lab],
  browser: [lab, webConsole],
};

export default async function setup(project: TestProject): Promise<void> {
  const steps = SET_UP[project.name];
  if (!steps) throw new Error(`test/global-setup.ts: no set-up for the project "${project.name}"`);
  for (const step of steps) await step();
}
