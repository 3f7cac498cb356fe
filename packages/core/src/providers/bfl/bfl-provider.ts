// The catalog's sizes are multiples of 32 within 256–1440, as FLUX 1.1 [pro] requires.
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
import { BFL_MODERATED, BFL_PENDING, bflResultSchema, bflSubmitSchema } from './bfl-api.ts';

/**
 * Black Forest Labs: submit to /<model> (flux-pro-1.1, flux-2-pro, …) with `x-key`, poll the returned `polling_url`
 * until Ready, then download `result.sample` at once (it expires within minutes).
 */
export class BflImageProvider implements ImageProvider {
  readonly id = 'bfl';

  constructor(private readonly settings: ProviderSettings) {}

  async generate(request: ImageGenerationRequest): Promise<ImageGenerationResult> {
    const context = startAttempt(this.id, this.settings, request.abortSignal);
    const auth = { 'x-key': this.settings.apiKey };
    const submitted = await requestJson(
      context,
      `${this.settings.baseUrl}/${request.upstreamModel}`,
      { headers: auth, body: { prompt: styledPrompt(request.prompt, request.style), ...RATIO_SIZES[request.ratio], output_format: 'png', ...(request.seed === undefined ? {} : { seed: request.seed }) } },
      bflSubmitSchema,
    );
    // The polling URL may be on a regional host (api.us1.bfl.ai); the key goes only to BFL's own hosts.
    assertMayCarryCredentials(context, submitted.polling_url, this.settings.baseUrl);
    for (const wait of backoff(this.settings.pollIntervalMs)) {
      const poll = await requestJson(context, submitted.polling_url, { headers: auth }, bflResultSchema);
      request.onStatus?.(poll.status);
      if (poll.status === 'Ready') {
        if (!poll.result) throw new ProviderError({ provider: this.id, kind: 'retryable', message: 'Ready without a sample' });
        // The sample is a signed CDN link: downloaded without the key.
        return { image: await downloadImage(context, poll.result.sample), warnings: [] };
      }
      if (BFL_MODERATED.has(poll.status)) {
        throw new ProviderError({ provider: this.id, kind: 'moderation', message: poll.status });
      }
      if (!BFL_PENDING.has(poll.status)) {
        throw new ProviderError({ provider: this.id, kind: 'retryable', message: `status ${poll.status}` });
      }
      await pause(context, wait);
    }
    throw new Error('unreachable');
  }
}
