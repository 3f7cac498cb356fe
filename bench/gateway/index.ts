import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { providerEnvironment } from '@aiphoto/core/testing';
import { elapsedMs, startZeroLatencyProvider } from '../lib/generate.ts';
import { createKey, median, startProcess, startService, type Started } from '../lib/processes.ts';

/**
 * bench/gateway: what the service costs per request, next to bare Fastify measured in the
 * same run. Each ratio is the median over ROUNDS pairs of autocannon runs (32 connections), a
 * bare run and then the path's, so a slow moment of the machine hits both sides alike.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 32;
const GENERATE_WARMUP = Number(process.env.BENCH_GENERATE_WARMUP ?? 2_000);
const TARGETS = { status: 0.25, refusal: 0.2, trpc: 0.15, generateOverheadMs: 3 };

async function requestsPerSecond(options: autocannon.Options): Promise<number> {
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options });
  const wrong = result.non2xx + result.errors + result.timeouts;
  const expectedStatus = (options as { expectStatus?: number }).expectStatus;
  // A run whose answers are not the ones being measured measures nothing.
  if (expectedStatus === undefined && wrong > 0) throw new Error(`${options.url}: ${wrong} of ${result.requests.total} requests failed`);
  if (expectedStatus !== undefined && result.statusCodeStats?.[String(expectedStatus) as '200']?.count !== result.requests.total) {
    throw new Error(`${options.url}: not every answer was ${expectedStatus}: ${JSON.stringify(result.statusCodeStats)}`);
  }
  return result.requests.average;
}

async function latencies(count: number, send: () => Promise<Response>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await elapsedMs(send));
  return samples;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-bench-'));
const fake = await startZeroLatencyProvider();
const proKey = await createKey(dataDir, 100_000_000);
const services: Started[] = [];
try {
  const bare = await startProcess('bench/gateway/bare-server.ts', {}, /^(http:\/\/\S+)$/m);
  services.push(bare);
  const service = await startService({ AIPHOTO_DATA_DIR: dataDir, ...providerEnvironment(fake, ['openai']) });
  services.push(service);
  const auth = { authorization: `Bearer ${proKey}` };

  // The anonymous free tier (5 a day) used up, so every further generate is a 429.
  const generateBody = JSON.stringify({ prompt: 'a lighthouse at dusk', model: 'dall-e-3' });
  for (let i = 0; i < 5; i++) {
    await fetch(`${service.url}/api/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: generateBody });
  }

  // The content filter remembers recent verdicts, so a client retrying the same request is
  // the refusal case; a caller that sends a prompt never seen before pays for the matching.
  let promptNumber = 0;
  const freshPrompt: autocannon.Request = {
    setupRequest: (request) => ({ ...request, body: JSON.stringify({ prompt: `a lighthouse at dusk, take ${promptNumber++}`, model: 'dall-e-3' }) }),
  };
  const refused = { url: `${service.url}/api/generate`, method: 'POST', headers: { 'content-type': 'application/json' }, expectStatus: 429 } as autocannon.Options;
  const paths = {
    status: { url: `${service.url}/api/status`, headers: auth },
    trpc: { url: `${service.url}/trpc/status`, headers: auth },
    refusal: { ...refused, body: generateBody },
    freshRefusal: { ...refused, requests: [freshPrompt] },
  } satisfies Record<string, autocannon.Options>;
  type Path = keyof typeof paths;
  const names = Object.keys(paths) as Path[];
  // A running service is warm: each path's first seconds, while V8 optimises it, are not counted.
  for (const name of names) await requestsPerSecond({ ...paths[name], duration: 2 });
  await requestsPerSecond({ url: `${bare.url}/api/status`, duration: 2 });

  // This machine's speed drifts (bare Fastify by up to 2× within a minute), so every run of
  // a path comes right after a bare run and is compared with it: each ratio is the median of
  // ROUNDS such pairs.
  const rates = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<Path, number[]>;
  const ratios = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<Path, number[]>;
  const bareRates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const bareRate = await requestsPerSecond({ url: `${bare.url}/api/status` });
      const rate = await requestsPerSecond(paths[name]);
      bareRates.push(bareRate);
      rates[name].push(rate);
      ratios[name].push(rate / bareRate);
    }
  }

  // Generate over a provider that answers at once: the gateway's own share of the latency.
  const direct = `${fake.url}/openai/images/generations`;
  const directBody = JSON.stringify({ model: 'gpt-image-2', prompt: 'a lighthouse at dusk', n: 1, size: '1024x1024' });
  const callProvider = () => fetch(direct, { method: 'POST', headers: { 'content-type': 'application/json' }, body: directBody });
  const callService = () => fetch(`${service.url}/api/generate`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: generateBody });
  // The first generates run while V8 is still optimising that path (about 2,000 calls on
  // this machine): reported, but the target is the warm figure a running service sees.
  const coldMs = median(await latencies(100, callService));
  await latencies(GENERATE_WARMUP, callService);
  // One call of each in turn, so a slow moment of the machine falls on both alike.
  const providerSamples: number[] = [];
  const serviceSamples: number[] = [];
  for (let i = 0; i < 300; i++) {
    providerSamples.push(await elapsedMs(callProvider));
    serviceSamples.push(await elapsedMs(callService));
  }
  const providerMs = median(providerSamples);
  const serviceMs = median(serviceSamples);
  const overhead = serviceMs - providerMs;

  const row = (name: string, path: Path, target?: number) => {
    const ratio = median(ratios[path]);
    const verdict = target === undefined ? '(no target: the filter matches every new prompt)' : `target ≥ ${target}× ${ratio >= target ? 'meets' : 'MISSES'}`;
    console.log(`${name.padEnd(44)}${median(rates[path]).toFixed(0).padStart(9)} req/s ${`${ratio.toFixed(3)}×`.padStart(8)}   ${verdict}`);
    return target === undefined || ratio >= target;
  };
  console.log(`bench/gateway — ${os.cpus().length} cores, autocannon ${CONNECTIONS} connections, ${ROUNDS} runs of ${SECONDS} s per path, each right after a bare run; medians\n`);
  console.log(`${'bare Fastify 5, same JSON (baseline)'.padEnd(44)}${median(bareRates).toFixed(0).padStart(9)} req/s ${'1×'.padStart(8)}`);
  const met = [
    row('GET /api/status with a key', 'status', TARGETS.status),
    row('GET /trpc/status with a key', 'trpc', TARGETS.trpc),
    row('POST /api/generate refused (429, no key)', 'refusal', TARGETS.refusal),
    row('  the same, a prompt never seen before', 'freshRefusal'),
  ];
  console.log(
    `\nPOST /api/generate over a zero-latency fake provider (64×64 PNG), one at a time, p50 of 300 each (the two in turn) after ${GENERATE_WARMUP} warm-up calls:\n` +
      `  through the service ${serviceMs.toFixed(2)} ms, the provider called directly ${providerMs.toFixed(2)} ms: the gateway adds ${overhead.toFixed(2)} ms ` +
      `(target ≤ ${TARGETS.generateOverheadMs} ms ${overhead <= TARGETS.generateOverheadMs ? 'meets' : 'MISSES'})\n` +
      `  the first 100 generates of the process, before V8 has optimised that path: ${coldMs.toFixed(2)} ms through the service (p50)`,
  );
  met.push(overhead <= TARGETS.generateOverheadMs);
  const runs = (values: number[]) => values.map((value) => value.toFixed(0)).join(', ');
  console.log(`\nEach run (req/s): bare ${runs(bareRates)}; ${names.map((name) => `${name} ${runs(rates[name])}`).join('; ')}`);
  if (met.includes(false)) process.exitCode = 1;
} finally {
  for (const started of services) await started.stop();
  await fake.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
