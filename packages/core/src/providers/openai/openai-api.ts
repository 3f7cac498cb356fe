import { z } from 'zod';

/** Only the fields we use, so additions to OpenAI's responses never break us. */
export const openaiImageResponseSchema = z.object({
  data: z.array(z.object({ b64_json: z.string(), revised_prompt: z.string().nullish() })).min(1),
  usage: z.object({ input_tokens: z.number().int().min(0), output_tokens: z.number().int().min(0) }).nullish(),
});

export const openaiModerationResponseSchema = z.object({
  results: z.array(z.object({ flagged: z.boolean(), categories: z.record(z.string(), z.boolean()).optional() })).min(1),
});

/** https://platform.openai.com/docs/guides/error-codes: the image endpoint's own moderation. */
export function isOpenAIModeration(status: number, body: string): boolean {
  return status === 400 && /content_policy_violation|moderation_blocked|safety system/i.test(body);
}
