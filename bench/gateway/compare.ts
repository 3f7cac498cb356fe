import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { providerEnvironment } from '@aiphoto/core/testing';
import { elapsedMs, startZeroLatencyProvider } from '../lib/generate.ts';
import { createKey, median, repoRoot, startService, type Started } from '../lib/processes.ts';

/**
 * `pnpm bench:compare <other checkout>`: is this build cheaper per request than another one
 * (say `git worktree add ../base main`, then `pnpm install --offline` there)?
 *
 * On this machine a change worth 3–5 % of a request is far below the drift of requests per
 * second from one minute to the next, so the two services run side by side and are measured
 * in turn, in short runs, by what the drift moves least: the CPU the service's process spent
 * (all its threads, from /proc) per answered request. Each run of this checkout is divided by
 * the run of the other just before or after it (the order alternates), and the median of
 * those paired ratios is printed: 0.95 means this build costs 5 % less per request. Then
 * generate, which is latency rather than CPU: one call to each build in turn over a fake
 * provider that answers at once, and the difference of the two medians.
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const GENERATE_WARMUP = Number(process.env.BENCH_GENERATE_WARMUP ?? 2_000);
const GENERATES = Number(process.env.BENCH_GENERATES ?? 1_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const CONNECTIONS = 32;

// pnpm runs this script in bench/; a relative path means where the command was typed.
const other = process.argv[2] && path.resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2]);
if (!other || !fs.existsSync(path.join(other, 'packages/api/src/main.ts'))) {
  console.error('Usage: pnpm bench:compare <path to another checkout of this repository, with its dependencies installed>');
  process.exit(2);
}

/**
 * Where each process runs: the load generator (this process) on the first CPU, the service
 * being measured on the second. Left to the scheduler, whichever service happened to share
 * a CPU with the load generator cost ~15 % more per request than the other, which is more
 * than the changes this measures.
 */
const LOAD_CPU = '0';
const SERVICE_CPU = '1';
if (process.env.AIPHOTO_COMPARE_PINNED === undefined) {
  const pinned = spawnSync('taskset', ['--cpu-list', LOAD_CPU, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, AIPHOTO_COMPARE_PINNED: '1' },
  });
  if (pinned.error) {
    console.error(`bench:compare needs taskset (util-linux) and two CPUs: ${pinned.error.message}`);
    process.exit(2);
  }
  process.exit(pinned.status ?? 1);
}

interface Build {
  name: string;
  service: Started;
  key: string;
  dataDir: string;
}

const fake = await startZeroLatencyProvider();

async function startBuild(name: string, root: string): Promise<Build> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-compare-'));
  const key = await createKey(dataDir, 100_000_000, root);
  const service = await startService({ AIPHOTO_DATA_DIR: dataDir, ...providerEnvironment(fake, ['openai']) }, root, { cpus: SERVICE_CPU });
  // The anonymous free tier used up, so every further generate without a key is a 429.
  const body = JSON.stringify({ prompt: 'a lighthouse at dusk' });
  for (let i = 0; i < 5; i++) await fetch(`${service.url}/api/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { name, service, key, dataDir };
}

const paths = {
  status: (build: Build) => ({ url: `${build.service.url}/api/status`, headers: { authorization: `Bearer ${build.key}` } }),
  refusal: (build: Build) => ({
    url: `${build.service.url}/api/generate`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a lighthouse at dusk' }),
  }),
};
type PathName = keyof typeof paths;

/** CPU microseconds per answer over one run. */
async function measure(build: Build, pathName: PathName, seconds: number): Promise<number> {
  const before = build.service.cpuMicroseconds();
  const result = await autocannon({ connections: CONNECTIONS, duration: seconds, ...paths[pathName](build) });
  const expected = pathName === 'refusal' ? 429 : 200;
  if (result.statusCodeStats?.[String(expected) as '200']?.count !== result.requests.total) {
    throw new Error(`${build.name} ${pathName}: not every answer was ${expected}: ${JSON.stringify(result.statusCodeStats)}`);
  }
  return (build.service.cpuMicroseconds() - before) / result.requests.total;
}

/** Milliseconds for one generate with the build's key, over the zero-latency provider. */
const generateMs = (build: Build) =>
  elapsedMs(() =>
    fetch(`${build.service.url}/api/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${build.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a lighthouse at dusk', model: 'dall-e-3' }),
    }),
  );

const builds: Build[] = [];
try {
  builds.push(await startBuild('other', other));
  builds.push(await startBuild('this', repoRoot));
  const [otherBuild, thisBuild] = builds as [Build, Build];
  const names = Object.keys(paths) as PathName[];
  // V8 optimises each path in its first seconds; those are not counted.
  for (const build of builds) for (const name of names) await measure(build, name, 3);

  const cost: Record<string, number[]> = {};
  const ratios: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const order = round % 2 === 0 ? [otherBuild, thisBuild] : [thisBuild, otherBuild];
      const runs = new Map<Build, number>();
      for (const build of order) {
        const cpuPerRequest = await measure(build, name, SECONDS);
        runs.set(build, cpuPerRequest);
        (cost[`${name} ${build.name}`] ??= []).push(cpuPerRequest);
      }
      (ratios[name] ??= []).push(runs.get(thisBuild)! / runs.get(otherBuild)!);
    }
  }

  // Generate is latency, one call at a time: one call to each build in turn (the order
  // alternating), after both have optimised the path.
  for (let i = 0; i < GENERATE_WARMUP; i++) for (const build of builds) await generateMs(build);
  const generates = new Map<Build, number[]>(builds.map((build) => [build, []]));
  for (let i = 0; i < GENERATES; i++) {
    for (const build of i % 2 === 0 ? [otherBuild, thisBuild] : [thisBuild, otherBuild]) generates.get(build)!.push(await generateMs(build));
  }

  console.log(`bench/compare — this checkout against ${other}; ${ROUNDS} pairs of ${SECONDS} s runs per path, ${CONNECTIONS} connections\n`);
  for (const name of names) {
    console.log(
      `${name.padEnd(8)} CPU per request: this ${median(cost[`${name} this`]!).toFixed(1)} µs, other ${median(cost[`${name} other`]!).toFixed(1)} µs; ` +
        `paired ratio this/other ${median(ratios[name]!).toFixed(3)} (each pair: ${ratios[name]!.map((ratio) => ratio.toFixed(2)).join(' ')})`,
    );
  }
  const [thisGenerate, otherGenerate] = [median(generates.get(thisBuild)!), median(generates.get(otherBuild)!)];
  console.log(
    `generate p50 over a zero-latency provider, ${GENERATES} calls each in turn: this ${thisGenerate.toFixed(3)} ms, other ${otherGenerate.toFixed(3)} ms, ` +
      `this − other ${(thisGenerate - otherGenerate).toFixed(3)} ms`,
  );
} finally {
  for (const build of builds) {
    await build.service.stop();
    fs.rmSync(build.dataDir, { recursive: true, force: true });
  }
  await fake.close();
}
