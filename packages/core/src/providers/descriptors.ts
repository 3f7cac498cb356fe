import { descriptor as automatic1111 } from './automatic1111/descriptor.ts';
import { descriptor as bfl } from './bfl/descriptor.ts';
import { descriptor as comfyui } from './comfyui/descriptor.ts';
import type { ProviderDescriptor } from './descriptor.ts';
import { descriptor as fal } from './fal/descriptor.ts';
import { descriptor as openaiCompatible } from './openai-compatible/descriptor.ts';
import { descriptor as openai } from './openai/descriptor.ts';
import { descriptor as openrouter } from './openrouter/descriptor.ts';
import { descriptor as replicate } from './replicate/descriptor.ts';
import { descriptor as stability } from './stability/descriptor.ts';
import { descriptor as together } from './together/descriptor.ts';

/** Every provider the catalog may name. */
export const PROVIDERS: readonly ProviderDescriptor[] = [openai, stability, bfl, fal, replicate, together, openrouter, openaiCompatible, automatic1111, comfyui];

export const providerNamed = (name: string) => PROVIDERS.find((descriptor) => descriptor.name === name);
