/**
 * Lines for the person waiting on the lab (provisioning takes minutes on a fresh machine):
 * one line when a step starts, the meaningful lines of the tools it runs, one when it ends.
 */
export type OnProgress = (line: string) => void;

export const printProgress: OnProgress = (line) => console.log(line);

/** Runs `work` as a named step: "==> title", its detail lines indented, then how long it took. */
export async function step<T>(
  onProgress: OnProgress,
  title: string,
  work: (detail: OnProgress) => Promise<T>,
): Promise<T> {
  const started = Date.now();
  onProgress(`==> ${title}`);
  try {
    const result = await work((line) => onProgress(`    ${line}`));
    onProgress(`    done in ${seconds(Date.now() - started)}`);
    return result;
  } catch (error) {
    onProgress(`    failed after ${seconds(Date.now() - started)}`);
    throw error;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
