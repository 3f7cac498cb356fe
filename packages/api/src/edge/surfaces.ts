/**
 * Which surface a path belongs to. Each surface speaks its own error dialect; the three API
 * surfaces (REST, tRPC, OpenAI's /v1) are metered and answer the same outcome alike.
 */
export type Surface = 'rest' | 'trpc' | 'openai' | 'docs' | 'site';

export const pathOf = (url: string) => url.split('?', 1)[0]!;

export const isTrpcPath = (path: string) => path === '/trpc' || path.startsWith('/trpc/');

export function surfaceOf(path: string): Surface {
  if (path === '/api/openapi.json' || path === '/api/docs' || path.startsWith('/api/docs/')) return 'docs';
  if (path === '/api' || path.startsWith('/api/')) return 'rest';
  if (isTrpcPath(path)) return 'trpc';
  if (path.startsWith('/v1/')) return 'openai';
  return 'site';
}

/** A tRPC batch names its calls in the path, comma-separated: `/trpc/status,models?batch=1`. */
export const trpcCallsOf = (path: string) => path.slice('/trpc/'.length).split(',').length;
