import type { ChildProcess } from 'node:child_process';

/**
 * Keeps the last `max` non-empty lines a lab process writes (stdout and stderr together), to
 * say why it is gone; `each` also gets every chunk as it comes (Asterisk's output file).
 */
export function keepOutputTail(child: ChildProcess, max: number, each?: (chunk: Buffer) => void): () => string[] {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    each?.(chunk);
    lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim() !== ''),
    );
    lines.splice(0, Math.max(0, lines.length - max));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => [...lines];
}
