import { RATIO_SIZES } from '../../catalog.ts';
import {
  backoff,
  downloadImage,
  assertMayCarryCredentials,
  pause,
  requestJson,
  startAttempt,
  type ProviderSettings,
} from '../http.ts';
import { ProviderError, type ImageGenerationRequest, type ImageGenerationResult, type ImageProvider } from '../image-provider.ts';
import { styledPrompt } from '../styles.ts';
import { falResultSchema, falStatusSchema, falSubmitSchema } from './fal-api.ts';

/**
 * fal's queue API: submit, poll `status_url` until COMPLETED, read `response_url`, then
 * download the image from fal's CDN without the key.
 */
export class FalImageProvider implements ImageProvider {
  readonly id = 'fal';

  constructor(private readonly settings: ProviderSettings) {}

  async generate(request: ImageGenerationRequest): Promise<ImageGenerationResult> {
    const context = startAttempt(this.id, this.settings, request.abortSignal);
    const auth = { authorization: `Key ${this.settings.apiKey}` };
    const submitted = await requestJson(
      context,
      `${this.settings.baseUrl}/${request.upstreamModel}`,
      {
        headers: auth,
        body: {
          prompt: styledPrompt(request.prompt, request.style),
          image_size: RATIO_SIZES[request.ratio],
          num_images: 1,
          enable_safety_checker: true,
          output_format: 'png',
          ...(request.seed === undefined ? {} : { seed: request.seed }),
        },
      },
      falSubmitSchema,
    );
    for (const url of [submitted.status_url, submitted.response_url]) assertMayCarryCredentials(context, url, this.settings.baseUrl);
    for (const wait of backoff(this.settings.pollIntervalMs)) {
      const { status } = await requestJson(context, submitted.status_url, { headers: auth }, falStatusSchema);
      request.onStatus?.(status);
      if (status === 'COMPLETED') break;
      if (status !== 'IN_QUEUE' && status !== 'IN_PROGRESS') {
        throw new ProviderError({ provider: this.id, kind: 'retryable', message: `status ${status}` });
      }
      await pause(context, wait);
    }
    const result = await requestJson(context, submitted.response_url, { headers: auth }, falResultSchema);
    // fal blacks out an image its safety checker flags and says so here.
    if (result.has_nsfw_concepts?.[0]) {
      throw new ProviderError({ provider: this.id, kind: 'moderation', message: 'has_nsfw_concepts' });
    }
    return { image: await downloadImage(context, result.images[0]!.url), warnings: [] };
  }
}
