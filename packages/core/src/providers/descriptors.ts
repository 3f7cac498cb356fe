import { descriptor as bfl } from './bfl/descriptor.ts';
import type { ProviderDescriptor } from './descriptor.ts';
import { descriptor as fal } from './fal/descriptor.ts';
import { descriptor as openai } from './openai/descriptor.ts';
import { descriptor as replicate } from './replicate/descriptor.ts';
import { descriptor as stability } from './stability/descriptor.ts';
import { descriptor as together } from './together/descriptor.ts';

/** Every provider the catalog may name. */
export const PROVIDERS: readonly ProviderDescriptor[] = [openai, stability, bfl, fal, replicate, together];

export const providerNamed = (name: string) => PROVIDERS.find((descriptor) => descriptor.name === name);
