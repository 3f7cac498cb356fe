import { QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpLink, isNonJsonSerializable, splitLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
// Type-only: the page never bundles server code.
import type { AppRouter } from '@aiphoto/api';
import { readApiKey } from './api-key.ts';

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

/** Every call says it comes from the page, and carries the pro key when one is saved. */
export function requestHeaders(): Record<string, string> {
  const key = readApiKey();
  return { 'x-requested-with': 'XMLHttpRequest', ...(key ? { authorization: `Bearer ${key}` } : {}) };
}

export function createQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: true } } });
}

export function createClient() {
  const url = '/trpc';
  return createTRPCClient<AppRouter>({
    links: [
      // FormData cannot be batched as JSON.
      splitLink({
        condition: (operation) => isNonJsonSerializable(operation.input),
        true: httpLink({ url, headers: requestHeaders }),
        false: httpBatchLink({ url, headers: requestHeaders }),
      }),
    ],
  });
}
