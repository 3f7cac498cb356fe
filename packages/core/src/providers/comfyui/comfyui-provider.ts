import { randomInt, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RATIO_SIZES } from '../../catalog.ts';
import { backoff, downloadImage, pause, requestJson, startAttempt, type ProviderSettings } from '../http.ts';
import { ProviderError, type ImageGenerationRequest, type ImageGenerationResult, type ImageProvider } from '../image-provider.ts';
import { styledPrompt } from '../styles.ts';
import { comfyHistorySchema, comfyQueuedSchema } from './comfyui-api.ts';

/** Placeholders a workflow's string inputs may hold; the whole value must be the placeholder. */
const PLACEHOLDERS = ['prompt', 'negative_prompt', 'width', 'height', 'seed', 'model'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

/** Reads and checks the API-format workflow named by the candidate's `options.workflow`. */
export function prepareComfyOptions(options: Readonly<Record<string, unknown>>, baseDir: string): Record<string, unknown> {
  if (typeof options.workflow !== 'string') throw new Error('options.workflow: expected the path of an API-format workflow JSON file');
  const file = path.resolve(baseDir, options.workflow);
  let graph: unknown;
  try {
    graph = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`options.workflow: cannot read ${file} as JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!graph || typeof graph !== 'object' || Array.isArray(graph)) throw new Error('options.workflow: expected a JSON object of nodes (ComfyUI "Save (API format)")');
  if (!JSON.stringify(graph).includes('"{{prompt}}"')) throw new Error('options.workflow: no input is "{{prompt}}", so the prompt would never reach the workflow');
  return { ...options, workflowGraph: graph };
}

/** Replaces every string value that is exactly "{{name}}" with its value, anywhere in the graph. */
function fillPlaceholders(node: unknown, values: Record<Placeholder, string | number>): unknown {
  if (typeof node === 'string') {
    const name = /^\{\{([a-z_]+)\}\}$/.exec(node)?.[1] as Placeholder | undefined;
    return name && PLACEHOLDERS.includes(name) ? values[name] : node;
  }
  if (Array.isArray(node)) return node.map((child) => fillPlaceholders(child, values));
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, fillPlaceholders(child, values)]));
  return node;
}

/**
 * ComfyUI: the catalog candidate's workflow (`options.workflow`) with the request filled in,
 * queued with `POST /prompt`, polled on `/history/{id}`, its first output image read from
 * `/view`. A key, when set, is sent as a bearer token (ComfyUI behind an authenticating proxy).
 */
export class ComfyUIImageProvider implements ImageProvider {
  readonly id = 'comfyui';

  constructor(private readonly settings: ProviderSettings) {}

  async generate(request: ImageGenerationRequest): Promise<ImageGenerationResult> {
    const context = startAttempt(this.id, this.settings, request.abortSignal);
    const workflow = request.options?.workflowGraph;
    if (!workflow) throw new ProviderError({ provider: this.id, kind: 'fatal', message: 'the candidate has no workflow' });
    const auth: Record<string, string> = this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {};
    const { width, height } = RATIO_SIZES[request.ratio];
    const seed = request.seed ?? randomInt(2 ** 32);
    const graph = fillPlaceholders(workflow, {
      prompt: styledPrompt(request.prompt, request.style),
      negative_prompt: request.negativePrompt ?? '',
      width,
      height,
      seed,
      model: request.upstreamModel,
    });
    const queued = await requestJson(context, `${this.settings.baseUrl}/prompt`, { headers: auth, body: { prompt: graph, client_id: randomUUID() } }, comfyQueuedSchema);
    const historyUrl = `${this.settings.baseUrl}/history/${encodeURIComponent(queued.prompt_id)}`;
    for (const wait of backoff(this.settings.pollIntervalMs)) {
      const entry = (await requestJson(context, historyUrl, { headers: auth }, comfyHistorySchema))[queued.prompt_id];
      request.onStatus?.(entry ? 'running' : 'queued');
      if (entry?.status?.status_str === 'error') {
        throw new ProviderError({ provider: this.id, kind: 'retryable', message: 'the workflow failed on the server' });
      }
      const image = entry && Object.values(entry.outputs).flatMap((output) => output.images ?? []).find((candidate) => candidate.type === 'output');
      if (image) {
        const query = new URLSearchParams({ filename: image.filename, subfolder: image.subfolder, type: image.type });
        return { image: await downloadImage(context, `${this.settings.baseUrl}/view?${query}`, auth), warnings: [] };
      }
      if (entry?.status?.completed) throw new ProviderError({ provider: this.id, kind: 'retryable', message: 'the workflow saved no image' });
      await pause(context, wait);
    }
    throw new ProviderError({ provider: this.id, kind: 'retryable', message: 'timed out' });
  }
}
