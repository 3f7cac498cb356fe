import type { GenerationObserver } from '@aiphoto/core';
import client from 'prom-client';

/**
 * Prometheus metrics for GET /metrics: one registry per server, so several servers in one
 * process (tests) never share counters.
 */
export function createMetrics(options: { enhanceQueueDepth: () => number }) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'aiphoto_' });

  const requests = new client.Counter({
    name: 'aiphoto_http_requests_total',
    help: 'HTTP requests by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new client.Histogram({
    name: 'aiphoto_http_request_duration_seconds',
    help: 'HTTP request latency by route.',
    labelNames: ['route', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const generations = new client.Counter({
    name: 'aiphoto_generations_total',
    help: 'Generations by model, provider and outcome.',
    labelNames: ['model', 'provider', 'outcome'] as const,
    registers: [registry],
  });
  const providerLatency = new client.Histogram({
    name: 'aiphoto_provider_duration_seconds',
    help: 'Provider attempt latency by provider and outcome.',
    labelNames: ['provider', 'outcome'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 90, 180],
    registers: [registry],
  });
  const quotaRejections = new client.Counter({
    name: 'aiphoto_quota_rejections_total',
    help: 'Requests refused with 429 because the daily quota was used up, by plan.',
    labelNames: ['plan'] as const,
    registers: [registry],
  });
  new client.Gauge({
    name: 'aiphoto_enhance_queue_depth',
    help: 'Enhance jobs running or waiting.',
    registers: [registry],
    collect() {
      this.set(options.enhanceQueueDepth());
    },
  });

  const observer: Pick<GenerationObserver, 'generation' | 'providerAttempt'> = {
    generation: ({ model, provider, outcome }) => generations.inc({ model, provider, outcome }),
    providerAttempt: ({ provider, outcome, seconds }) => providerLatency.observe({ provider, outcome }, seconds),
  };

  return {
    registry,
    observer,
    request(route: string, method: string, status: number, seconds: number) {
      requests.inc({ route, method, status: String(status) });
      latency.observe({ route, method }, seconds);
    },
    quotaRejected(plan: string) {
      quotaRejections.inc({ plan });
    },
  };
}
