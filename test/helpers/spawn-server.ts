import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config.js';

export interface RunningServer {
  child: ChildProcess;
  baseUrl: string;
  port: number;
  logs: string[];
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the built server (dist/src/server.js, built by `npm test`) on a free port; resolves once it listens.
 * `nodeFlags`: e.g. startFlags(), to run it exactly as `npm start` does.
 */
export function startBuiltServer(env: Record<string, string> = {}, timeoutMs = 10_000, nodeFlags: string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, [...nodeFlags, join(PACKAGE_ROOT, 'dist', 'src', 'server.js')], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs} ms:\n${logs.join('\n')}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        logs.push(line);
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'hcc-cds listening' && entry.port) {
            clearTimeout(timer);
            const baseUrl = `http://127.0.0.1:${entry.port}`;
            resolve({
              child,
              baseUrl,
              port: entry.port,
              logs,
              exited,
              stop: async (signal = 'SIGTERM') => {
                if (child.exitCode === null && child.signalCode === null) child.kill(signal);
                return exited;
              },
            });
          }
        } catch {
          // not a JSON log line
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => logs.push(String(chunk)));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${logs.join('\n')}`));
    });
  });
}
