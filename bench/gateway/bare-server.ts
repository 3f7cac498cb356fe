import Fastify from 'fastify';

/**
 * The floor the gateway is measured against: Fastify 5 alone, one route answering JSON of the
 * same shape as GET /api/status, no logging, no store. Prints its address.
 */
const app = Fastify({ logger: false });
app.get('/api/status', async () => ({
  status: 'ok',
  version: '1.0',
  usage_today: 0,
  limit_today: 1000,
  remaining: 1000,
  reset_at: new Date(Date.UTC(2026, 0, 1)).toISOString(),
  plan: 'pro',
}));
console.log(await app.listen({ port: 0, host: '127.0.0.1' }));
