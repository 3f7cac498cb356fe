import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { setTimeout } from 'node:timers/promises';

export const repoRoot = new URL('../../', import.meta.url).pathname;
/** Where `--import tsx` resolves: this package has tsx, the repository root does not. */
export const benchRoot = new URL('../', import.meta.url).pathname;

export interface Started {
  child: ChildProcess;
  url: string;
  /** The process's peak resident memory so far, from /proc (Linux). */
  peakRssMegabytes(): number;
  /** CPU time the process has used so far, user and system, all threads, from /proc (Linux). */
  cpuMicroseconds(): number;
  stop(): Promise<void>;
}

/**
 * Runs a TypeScript entry point (relative to this checkout, or absolute) in its own process
 * and waits until its output has a line
 * matching `ready`. The output goes to a file, as a deployment's log collector takes it: read
 * through a pipe by this process, every log line of the service under load would cost CPU in
 * the process that runs the load generator, which can make the service look slower than it is.
 */
export async function startProcess(entry: string, env: Record<string, string>, ready: RegExp, options: { cpus?: string } = {}): Promise<Started> {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-bench-log-'));
  const logFile = path.join(logDir, 'stdout.log');
  const stdout = fs.openSync(logFile, 'w');
  const command = [process.execPath, '--import', 'tsx', path.resolve(repoRoot, entry)];
  // taskset execs the command in its own process, so the pid stays the service's.
  const [file, ...args] = options.cpus === undefined ? command : ['taskset', '--cpu-list', options.cpus, ...command];
  const child = spawn(file!, args, { cwd: benchRoot, env: { ...process.env, ...env }, stdio: ['ignore', stdout, 'pipe'] });
  fs.closeSync(stdout);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<never>((_resolve, reject) =>
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code} before it was ready: ${stderr.slice(-2000)}`))),
  );
  exited.catch(() => {});
  let url: string | undefined;
  while (url === undefined) {
    await Promise.race([exited, setTimeout(50)]);
    url = ready.exec(fs.readFileSync(logFile, 'utf8'))?.[1];
  }
  return {
    child,
    url,
    peakRssMegabytes: () => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024,
    cpuMicroseconds() {
      // utime and stime, in clock ticks (100 a second on Linux), after the command's name.
      const fields = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100;
    },
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
      fs.rmSync(logDir, { recursive: true, force: true });
    },
  };
}

/**
 * The service as `pnpm start` runs it (packages/api/src/main.ts), on a free loopback port:
 * this checkout's, or the one at `root` (another checkout, to compare builds).
 */
export function startService(env: Record<string, string>, root = repoRoot, options: { cpus?: string } = {}): Promise<Started> {
  return startProcess(path.join(root, 'packages/api/src/main.ts'), { HOST: '127.0.0.1', PORT: '0', AIPHOTO_LOG_FORMAT: 'json', ...env }, /"msg":"AIPhoto listening at (http:\/\/[^" ]+) /, options);
}

/** A key made with the CLI (of the checkout at `root`), as an operator would (`pnpm aiphoto keys create`). */
export async function createKey(dataDir: string, dailyLimit: number, root = repoRoot): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'packages/api/src/cli.ts'), 'keys', 'create', '--name', 'bench', '--daily-limit', String(dailyLimit)],
    { cwd: benchRoot, env: { ...process.env, AIPHOTO_DATA_DIR: dataDir } },
  );
  return /aip_[A-Za-z0-9_-]+/.exec(stdout)![0];
}

/** The middle value (the upper one of the two middles for an even count). */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
