import { RATIO_SIZES } from '../../catalog.ts';
import { decodeBase64Image, downloadImage, requestJson, startAttempt, type ProviderSettings } from '../http.ts';
import { ProviderError, type ImageGenerationRequest, type ImageGenerationResult, type ImageProvider } from '../image-provider.ts';
import { isOpenAIModeration } from '../openai/openai-api.ts';
import { styledPrompt } from '../styles.ts';
import { openaiCompatibleResponseSchema } from './openai-compatible-api.ts';

/**
 * Any server speaking OpenAI's `POST /images/generations` at the catalog's `base_url`, with
 * an optional key: the catalog's pixel size, base64 asked for (a URL is downloaded without
 * the key). Options: `size` ("WxH", for servers with fixed sizes), `extra` (more body fields).
 */
export class OpenAICompatibleImageProvider implements ImageProvider {
  readonly id = 'openai-compatible';

  constructor(private readonly settings: ProviderSettings) {}

  async generate(request: ImageGenerationRequest): Promise<ImageGenerationResult> {
    const context = startAttempt(this.id, this.settings, request.abortSignal);
    const { width, height } = RATIO_SIZES[request.ratio];
    const fixedSize = typeof request.options?.size === 'string' ? request.options.size : undefined;
    const extra = isPlainObject(request.options?.extra) ? request.options.extra : {};
    const response = await requestJson(
      context,
      `${this.settings.baseUrl}/images/generations`,
      {
        headers: this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {},
        body: {
          ...extra,
          model: request.upstreamModel,
          prompt: styledPrompt(request.prompt, request.style),
          n: 1,
          size: fixedSize ?? `${width}x${height}`,
          response_format: 'b64_json',
        },
      },
      openaiCompatibleResponseSchema,
      isOpenAIModeration,
    );
    const [first] = response.data;
    const image = first!.b64_json
      ? await decodeBase64Image(context, first!.b64_json)
      : first!.url
        ? await downloadImage(context, first!.url)
        : undefined;
    if (!image) throw new ProviderError({ provider: this.id, kind: 'retryable', message: 'answered with neither b64_json nor url' });
    const warnings = image.width === width && image.height === height ? [] : [{ setting: 'size', details: `the server drew ${image.width}x${image.height}.` }];
    return { image, warnings };
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
