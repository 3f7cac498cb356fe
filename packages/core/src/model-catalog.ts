import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { MODEL_IDS } from './catalog.ts';
import { PROVIDERS, providerNamed } from './providers/descriptors.ts';

/**
 * The model catalog as data: which public model ids exist, their aliases, and the candidates
 * that serve each one, tried in order. The built-in catalog below applies unless
 * AIPHOTO_MODELS_FILE (YAML or JSON) changes or extends it.
 */

export interface CandidateSpec {
  provider: string;
  /** The provider's own id for the model. */
  model: string;
  /** Overrides the provider's base URL (required for self-hosted servers). */
  baseUrl?: string;
  /** The variable holding this candidate's key, when it is not the provider's usual one. */
  apiKeyEnv?: string;
  /** Provider-specific settings, passed to the adapter as they are. */
  options?: Record<string, unknown>;
}

export interface ModelSpec {
  id: string;
  name: string;
  description: string;
  /** Other names callers may use for this model (OpenAI tools send `gpt-image-1`, for instance). */
  aliases: string[];
  candidates: CandidateSpec[];
}

/** The seed's four ids, on the upstream models their providers serve now (providers/README.md). */
export const BUILT_IN_MODELS: readonly ModelSpec[] = [
  {
    id: 'flux-pro',
    name: 'FLUX 1.1 [pro]',
    description: "Black Forest Labs' flagship text-to-image model.",
    aliases: [],
    candidates: [
      { provider: 'bfl', model: 'flux-pro-1.1' },
      { provider: 'fal', model: 'fal-ai/flux-pro/v1.1' },
      { provider: 'replicate', model: 'black-forest-labs/flux-1.1-pro' },
    ],
  },
  {
    id: 'dall-e-3',
    name: 'OpenAI GPT Image',
    // OpenAI shut DALL·E 3 down on 2026-05-12; the seed's id now reaches its current GPT image
    // model, and OpenAI's own model names resolve here so OpenAI tools work unchanged.
    description: "OpenAI's current GPT image model (gpt-image-2), under the seed's DALL·E 3 id.",
    aliases: ['gpt-image-2', 'gpt-image-1', 'gpt-image-1.5', 'gpt-image-1-mini', 'chatgpt-image-latest', 'dall-e-2'],
    candidates: [{ provider: 'openai', model: 'gpt-image-2' }],
  },
  {
    id: 'stable-diffusion-xl-1024-v1-0',
    name: 'Stable Diffusion 3.5 Large',
    // Stability's v1 SDXL engine is legacy; SD 3.5 Large is the closest model it serves now.
    description: "Stability AI's Stable Diffusion 3.5 Large (v2beta), under the seed's SDXL id.",
    aliases: ['sd3.5-large'],
    candidates: [{ provider: 'stability', model: 'sd3.5-large' }],
  },
  {
    id: 'flux-schnell',
    name: 'FLUX.1 [schnell]',
    description: 'Fast distilled FLUX model.',
    aliases: [],
    candidates: [
      { provider: 'together', model: 'black-forest-labs/FLUX.1-schnell' },
      { provider: 'fal', model: 'fal-ai/flux/schnell' },
      { provider: 'replicate', model: 'black-forest-labs/flux-schnell' },
    ],
  },
  {
    id: 'flux-2-pro',
    name: 'FLUX.2 [pro]',
    description: "Black Forest Labs' FLUX.2 production model.",
    aliases: [],
    candidates: [
      { provider: 'bfl', model: 'flux-2-pro' },
      { provider: 'replicate', model: 'black-forest-labs/flux-2-pro' },
      { provider: 'openrouter', model: 'black-forest-labs/flux.2-pro' },
    ],
  },
];

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/;
const modelName = z.string().regex(MODEL_NAME, { error: 'expected letters, digits and . _ : / - (at most 100 characters)' });
const providerNames = PROVIDERS.map((descriptor) => descriptor.name);

const candidateSchema = z
  .object({
    provider: z.string().refine((name) => providerNamed(name) !== undefined, { error: `expected one of ${providerNames.join(', ')}` }),
    model: z.string().min(1, { error: 'expected the provider’s model id' }),
    base_url: z.url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' }).optional(),
    api_key_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'expected an environment variable name' }).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const modelSchema = z
  .object({
    id: modelName,
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    aliases: z.array(modelName).default([]),
    candidates: z.array(candidateSchema).min(1, { error: 'expected at least one candidate' }),
  })
  .strict();

const fileSchema = z.object({ models: z.array(modelSchema).min(1, { error: 'expected at least one model' }) }).strict();

export class CatalogError extends Error {}

function readCatalogFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CatalogError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new CatalogError(`${file} is not valid ${path.extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * The catalog: the built-in models, with the file's entries replacing those of the same id
 * and adding the rest. Errors name the entry and field (`models[1].candidates[0].provider`).
 */
export function loadModelCatalog(file: string | undefined): ModelSpec[] {
  if (!file) return BUILT_IN_MODELS.map((model) => ({ ...model }));
  const parsed = fileSchema.safeParse(readCatalogFile(file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '');
    throw new CatalogError(`${where || '(file)'}: ${issue.message}`);
  }
  const fromFile: ModelSpec[] = parsed.data.models.map((entry) => {
    const builtIn = BUILT_IN_MODELS.find((model) => model.id === entry.id);
    return {
      id: entry.id,
      name: entry.name ?? builtIn?.name ?? entry.id,
      description: entry.description ?? builtIn?.description ?? '',
      aliases: entry.aliases,
      candidates: entry.candidates.map((candidate) => ({
        provider: candidate.provider,
        model: candidate.model,
        ...(candidate.base_url ? { baseUrl: candidate.base_url.replace(/\/+$/, '') } : {}),
        ...(candidate.api_key_env ? { apiKeyEnv: candidate.api_key_env } : {}),
        ...(candidate.options ? { options: candidate.options } : {}),
      })),
    };
  });
  const models = [...BUILT_IN_MODELS.filter((model) => !fromFile.some((entry) => entry.id === model.id)), ...fromFile];
  // The seed's ids always exist, in the seed's order, first.
  models.sort((a, b) => rank(a.id) - rank(b.id));
  assertNamesUnique(models);
  return models;
}

const rank = (id: string) => {
  const index = (MODEL_IDS as readonly string[]).indexOf(id);
  return index === -1 ? MODEL_IDS.length : index;
};

function assertNamesUnique(models: readonly ModelSpec[]): void {
  const seen = new Map<string, string>();
  for (const model of models) {
    for (const name of [model.id, ...model.aliases]) {
      const owner = seen.get(name.toLowerCase());
      if (owner !== undefined) throw new CatalogError(`"${name}" names both ${owner} and ${model.id}; ids and aliases must be unique`);
      seen.set(name.toLowerCase(), model.id);
    }
  }
}
