import {
  DEFAULT_STYLE,
  InvalidModelError,
  InvalidPromptError,
  InvalidRatioError,
  InvalidRequestError,
  MAX_PROMPT_CHARACTERS,
  MODELS,
  MODEL_IDS,
  isModelId,
  parseImageFileName,
  type AIPhotoError,
  type CoreServices,
  type Ratio,
} from '@aiphoto/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { buffer } from 'node:stream/consumers';
import { ERROR_TABLE } from './errors.ts';
import { createCaller } from './root.ts';
import type { Context } from './trpc.ts';

/**
 * OpenAI's Images API as a second wire format over the same `generate` work: existing
 * OpenAI clients use AIPhoto by changing their base URL to `<AIPHOTO_PUBLIC_URL>/v1` and
 * their key to an AIPhoto key.
 */
export const OPENAI_SIZES: Record<string, Ratio> = {
  auto: '1:1',
  '1024x1024': '1:1',
  '1792x1024': '16:9',
  '1536x1024': '16:9',
  '1024x1792': '9:16',
  '1024x1536': '9:16',
};

/** OpenAI's API defaults to its DALL·E model; so do we. */
const OPENAI_DEFAULT_MODEL = 'dall-e-3';

/** The field an error is about, for OpenAI's `param`. */
const PARAMS: Partial<Record<AIPhotoError['code'], string>> = {
  invalid_prompt: 'prompt',
  invalid_model: 'model',
  invalid_ratio: 'size',
};

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/**
 * OpenAI's error shape. `code` is ours, except for the content filter, which is
 * `content_policy_violation` with HTTP 400 exactly as OpenAI answers it, so clients that
 * special-case it keep working.
 */
export function openaiError(error: AIPhotoError, param?: string): { status: number; body: OpenAIErrorBody } {
  const { status, type, code } = ERROR_TABLE[error.code].openai;
  return { status, body: { error: { message: error.message, type, param: param ?? PARAMS[error.code] ?? null, code } } };
}

export class OpenAIParamError extends InvalidRequestError {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

interface ImagesRequest {
  prompt: string;
  model: string;
  n: number;
  ratio: Ratio;
  responseFormat: 'url' | 'b64_json';
}

/** Validates OpenAI's request body; `style`, `quality` and `user` are accepted and ignored. */
function parseImagesRequest(body: unknown, maxImages: number): ImagesRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequestError('The request body must be a JSON object.');
  }
  const fields = body as Record<string, unknown>;
  if (typeof fields.prompt !== 'string' || fields.prompt.trim() === '') {
    throw new InvalidPromptError('prompt is required and must be a non-empty string.');
  }
  if ([...fields.prompt.trim()].length > MAX_PROMPT_CHARACTERS) {
    throw new InvalidPromptError(`prompt must be at most ${MAX_PROMPT_CHARACTERS} characters.`);
  }
  const model = fields.model ?? OPENAI_DEFAULT_MODEL;
  if (typeof model !== 'string' || !isModelId(model)) {
    throw new InvalidModelError(`model must be one of: ${MODEL_IDS.join(', ')}.`);
  }
  const n = fields.n ?? 1;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > maxImages) {
    throw new OpenAIParamError(`n must be a whole number from 1 to ${maxImages}.`, 'n');
  }
  const size = fields.size ?? '1024x1024';
  const ratio = typeof size === 'string' ? OPENAI_SIZES[size] : undefined;
  if (!ratio) throw new InvalidRatioError(`size must be one of: ${Object.keys(OPENAI_SIZES).join(', ')}.`);
  const responseFormat = fields.response_format ?? 'url';
  if (responseFormat !== 'url' && responseFormat !== 'b64_json') {
    throw new OpenAIParamError('response_format must be url or b64_json.', 'response_format');
  }
  return { prompt: fields.prompt, model, n, ratio, responseFormat };
}

export function registerOpenAICompat(
  app: FastifyInstance,
  options: { services: CoreServices; contextFor: (request: FastifyRequest, reply: FastifyReply) => Context },
) {
  app.post('/v1/images/generations', async (request, reply) => {
    const images = parseImagesRequest(request.body, options.services.images.maxImagesPerRequest);
    const created = await createCaller(options.contextFor(request, reply)).generateImages({
      prompt: images.prompt,
      model: images.model as never,
      style: DEFAULT_STYLE,
      ratio: images.ratio,
      n: images.n,
    });
    const data = await Promise.all(
      created.map(async (image) => {
        if (images.responseFormat === 'url') return { url: image.url };
        const name = parseImageFileName(image.fileName)!;
        return { b64_json: (await buffer(await options.services.storage.read(name.id, name.ext))).toString('base64') };
      }),
    );
    return { created: Math.floor(Date.parse(created[0]!.createdAt) / 1000), data };
  });

  app.get('/v1/models', async () => ({
    object: 'list',
    data: MODELS.map((model) => ({ id: model.id, object: 'model', created: 1_700_000_000, owned_by: 'aiphoto' })),
  }));
}
