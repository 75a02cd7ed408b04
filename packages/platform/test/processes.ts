import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

/**
 * Starts `npm start`'s entry point as a real process with `env` on top of
 * test defaults; resolves with its URL once it says it is running, and what it
 * has written to stderr so far (the banner) and since.
 */
export function launch(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/platform/src/main.ts'], {
    cwd: ROOT,
    // No admission control, as in startTestPlatform: these tests count every order of a burst.
    env: { ...process.env, PORT: '0', SEED: 'false', LOG_LEVEL: 'warn', EXPIRY_CHECK_MS: '200', ADMISSION_LOOP_DELAY_MS: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolveUrl, reject) => {
    let seen = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /running at (http:\/\/\S+)/.exec(seen);
      if (match?.[1]) resolveUrl({ child, url: match[1], stderr: () => seen });
    });
    child.on('exit', (code) => reject(new Error(`platform exited with ${code} before it was ready:\n${seen}`)));
  });
}

export const exited = (child: ChildProcess) => new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
