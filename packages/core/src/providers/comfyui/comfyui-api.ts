import { z } from 'zod';

/**
 * ComfyUI's server (server.py): `POST /prompt` queues an API-format workflow and answers
 * `{prompt_id, number, node_errors}`; `GET /history/{prompt_id}` is `{}` until the prompt has
 * run, then holds its `outputs[node].images[]` (`filename`, `subfolder`, `type`) and `status`;
 * `GET /view?filename=&subfolder=&type=` serves an image.
 */
export const comfyQueuedSchema = z.object({ prompt_id: z.string().min(1) });

const imageRefSchema = z.object({ filename: z.string(), subfolder: z.string().default(''), type: z.string().default('output') });

export const comfyHistorySchema = z.record(
  z.string(),
  z.object({
    outputs: z.record(z.string(), z.object({ images: z.array(imageRefSchema).optional() })).default({}),
    status: z.object({ status_str: z.string().optional(), completed: z.boolean().optional() }).optional(),
  }),
);
