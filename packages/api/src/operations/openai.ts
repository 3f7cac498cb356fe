import { buffer } from 'node:stream/consumers';
import { DEFAULT_STYLE, NotFoundError, parseImageFileName, type CoreServices, type Ratio } from '@aiphoto/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CallFor } from '../direct-caller.ts';
import { generateInputSchema } from './generate.ts';

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
    // OpenAI answers its GPT image models in base64 and DALL·E with a URL unless asked; so do we,
    // by the model name the caller sent (tools that speak to gpt-image-* read b64_json).
    response_format: z.enum(['url', 'b64_json'], { error: 'response_format must be url or b64_json.' }).optional(),
    // Today's OpenAI parameters, checked as OpenAI checks them. AIPhoto's providers choose
    // quality and moderation themselves, and images are PNG: the answer's `output_format`
    // says so.
    quality: z.enum(['standard', 'hd', 'low', 'medium', 'high', 'auto'], { error: 'quality must be one of: standard, hd, low, medium, high, auto.' }).optional(),
    output_format: z.enum(['png', 'jpeg', 'webp'], { error: 'output_format must be png, jpeg or webp.' }).optional(),
    background: z.enum(['transparent', 'opaque', 'auto'], { error: 'background must be transparent, opaque or auto.' }).optional(),
    moderation: z.enum(['low', 'auto'], { error: 'moderation must be low or auto.' }).optional(),
    style: z.string().optional(),
    user: z.string().optional(),
  })
  .transform((body) => ({
    generate: { prompt: body.prompt, model: body.model, style: DEFAULT_STYLE, ratio: OPENAI_SIZES[body.size] },
    n: body.n,
    responseFormat: body.response_format ?? (/^(gpt-image|chatgpt-image)/i.test(body.model) ? ('b64_json' as const) : ('url' as const)),
  }));

export const openaiRoutes: FastifyPluginAsync<{
  services: CoreServices;
  call: CallFor;
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
    return { created: Math.floor(Date.parse(created[0]!.created_at) / 1000), data, output_format: 'png' };
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
