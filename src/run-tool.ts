import { spawn } from 'node:child_process';

/** PATH plus the sbin dirs, which a non-login shell may lack (chroot, debootstrap, mount live there). */
export function withSystemPath(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const dirs = [
    ...(env.PATH ?? '').split(':'),
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
    '/bin',
  ];
  return { ...env, PATH: [...new Set(dirs.filter(Boolean))].join(':') };
}

export interface ToolOptions {
  env?: NodeJS.ProcessEnv;
  /** Gets every line of output (stdout and stderr); pass it on as progress where it matters. */
  onLine?: (line: string) => void;
  timeoutMs?: number;
}

/** Lines of a tool's output kept to explain its failure. */
const FAILURE_TAIL_LINES = 25;

/**
 * Runs a tool with an argument vector (never a shell string) and resolves with its stdout.
 * A non-zero exit rejects with the command and the last lines of its output.
 */
export function runTool(command: string, args: readonly string[], options: ToolOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? withSystemPath() });
    const stdout: string[] = [];
    const tail: string[] = [];
    const lineSplitter = () => {
      let partial = '';
      return (chunk: Buffer, flush = false) => {
        const lines = (partial + chunk.toString('utf8')).split(/\r?\n/);
        partial = flush ? '' : (lines.pop() ?? '');
        for (const line of lines) {
          if (line.trim() === '') continue;
          tail.push(line);
          if (tail.length > FAILURE_TAIL_LINES) tail.shift();
          options.onLine?.(line);
        }
      };
    };
    const outLines = lineSplitter();
    const errLines = lineSplitter();
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk.toString('utf8'));
      outLines(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => errLines(chunk));

    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            tail.push(`(killed after ${options.timeoutMs} ms)`);
            child.kill('SIGKILL');
          }, options.timeoutMs);

    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new Error(
          error.code === 'ENOENT'
            ? `${command} is not installed (not found on PATH)`
            : `could not run ${command}: ${error.message}`,
        ),
      );
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      outLines(Buffer.alloc(0), true);
      errLines(Buffer.alloc(0), true);
      if (code === 0) resolve(stdout.join(''));
      else
        reject(
          new Error(`${[command, ...args].join(' ')} failed (${signal ?? `exit code ${code}`}):\n${tail.join('\n')}`),
        );
    });
  });
}
