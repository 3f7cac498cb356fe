import { z } from 'zod';

/**
 * OpenAI's images response as self-hosted servers give it (LocalAI, stable-diffusion.cpp's
 * sd-server, LiteLLM, another AIPhoto): base64 when asked, some answer with a URL anyway.
 */
export const openaiCompatibleResponseSchema = z.object({
  data: z.array(z.object({ b64_json: z.string().optional(), url: z.string().optional() })).min(1),
});
