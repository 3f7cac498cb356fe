import { buffer } from 'node:stream/consumers';
import { DEFAULT_STYLE, NotFoundError, parseImageFileName, type CoreServices, type Ratio } from '@aiphoto/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppCaller } from '../router.ts';
import { generateInputSchema, GENERATE_ERRORS } from './generate.ts';

/**
 * OpenAI's Images API as a second wire format over the same `generate` work: existing
 * OpenAI clients use AIPhoto by changing their base URL to `<server>/v1` and their key to
 * an AIPhoto key. Its body is a transform into the generate input, validated by the same
 * field schemas; only the wire names differ.
 */

/** OpenAI's pixel sizes, by the ratio each one asks for. */
export const OPENAI_SIZES = {
  auto: '1:1',
  '1024x1024': '1:1',
  '1792x1024': '16:9',
  '1536x1024': '16:9',
  '1024x1792': '9:16',
  '1024x1536': '9:16',
} as const satisfies Record<string, Ratio>;

const sizes = Object.keys(OPENAI_SIZES) as (keyof typeof OPENAI_SIZES)[];

/** OpenAI's API defaults to its DALL·E model; so do we. */
const OPENAI_DEFAULT_MODEL = 'dall-e-3';
/** OpenAI's model objects carry a creation time; ours is the day the catalog became data. */
const MODEL_LIST_CREATED = 1_795_651_200;

export const openaiImagesRequestSchema = z
  .object({
    prompt: generateInputSchema.shape.prompt,
    // OpenAI's own model names (gpt-image-*) resolve through the catalog's aliases.
    model: generateInputSchema.shape.model.removeDefault().default(OPENAI_DEFAULT_MODEL),
    n: z
      .number({ error: 'n must be a whole number.' })
      .int({ error: 'n must be a whole number.' })
      .min(1, { error: 'n must be at least 1.' })
      .default(1)
      .meta({ description: 'Images to generate, one unit each, reserved all-or-nothing; at most AIPHOTO_OPENAI_MAX_N.' }),
    size: z.enum(sizes, { error: `size must be one of: ${sizes.join(', ')}.` }).default('1024x1024'),
    response_format: z.enum(['url', 'b64_json'], { error: 'response_format must be url or b64_json.' }).default('url'),
    // Accepted so OpenAI clients need no change, and ignored: AIPhoto has no equivalent.
    style: z.string().optional(),
    quality: z.string().optional(),
    user: z.string().optional(),
  })
  .transform((body) => ({
    generate: { prompt: body.prompt, model: body.model, style: DEFAULT_STYLE, ratio: OPENAI_SIZES[body.size] },
    n: body.n,
    responseFormat: body.response_format,
  }));

/** Codes the /v1 route can answer with (content_filtered is sent as OpenAI's content_policy_violation). */
export const OPENAI_IMAGES_ERRORS = GENERATE_ERRORS;

export const openaiRoutes: FastifyPluginAsync<{
  services: CoreServices;
  call: (request: FastifyRequest, reply: FastifyReply) => AppCaller;
}> = async (app, { services, call }) => {
  app.post('/v1/images/generations', async (request, reply) => {
    const { generate, n, responseFormat } = openaiImagesRequestSchema.parse(request.body);
    const created = await call(request, reply).generateImages({ ...generate, n });
    const data = await Promise.all(
      created.map(async (image) => {
        if (responseFormat === 'url') return { url: image.url };
        const name = parseImageFileName(image.fileName)!;
        return { b64_json: (await buffer(await services.storage.read(name.id, name.ext))).toString('base64') };
      }),
    );
    return { created: Math.floor(Date.parse(created[0]!.created_at) / 1000), data };
  });

  /** Every id and alias, as OpenAI's model objects (tools list them to pick one). */
  const modelObjects = services.config.models.flatMap((model) =>
    [model.id, ...model.aliases].map((id) => ({ id, object: 'model' as const, created: MODEL_LIST_CREATED, owned_by: 'aiphoto' })),
  );
  app.get('/v1/models', async () => ({ object: 'list', data: modelObjects }));

  // The SDK's models.retrieve(id); ids may contain slashes (`black-forest-labs/flux-2-pro`).
  app.get<{ Params: { '*': string } }>('/v1/models/*', async (request) => {
    const found = modelObjects.find((model) => model.id.toLowerCase() === request.params['*'].toLowerCase());
    if (!found) throw new NotFoundError(`The model '${request.params['*'].slice(0, 100)}' does not exist; GET /v1/models lists them.`, { field: 'model' });
    return found;
  });
};
