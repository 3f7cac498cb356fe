import type { ProviderDescriptor } from '../descriptor.ts';
import { Automatic1111ImageProvider } from './automatic1111-provider.ts';

/** A self-hosted server: no default address; the key is the optional `--api-auth` pair. */
export const descriptor: ProviderDescriptor = {
  name: 'automatic1111',
  keyEnv: 'AUTOMATIC1111_API_AUTH',
  baseUrlEnv: 'AUTOMATIC1111_BASE_URL',
  needsKey: false,
  capabilities: { seed: true, negativePrompt: true },
  create: (settings) => new Automatic1111ImageProvider(settings),
};
