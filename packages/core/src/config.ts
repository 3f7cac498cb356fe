import os from 'node:os';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { MODEL_SIZES, PRECISION_SETTINGS, RUNTIMES, type ModelSize, type Precision, type RuntimeName } from './catalog.ts';
import { cpuHasVnni, resolvePrecision } from './enhance/precision.ts';
import { CatalogError, loadModelCatalog, type ModelSpec } from './model-catalog.ts';
import { PROVIDERS, providerNamed } from './providers/descriptors.ts';

/** Chosen by measurement (bench/enhance): the best quality that meets the speed target. */
export const DEFAULT_ENHANCE_MODEL: ModelSize = 'thick';

/**
 * The whole service configuration, read from the environment in exactly one place.
 * Everything else receives a `Config`; core never reads `process.env` itself.
 */

const FLAG_VALUES: Record<string, boolean> = {
  on: true,
  true: true,
  yes: true,
  '1': true,
  off: false,
  false: false,
  no: false,
  '0': false,
};

const flag = (defaultValue: 'on' | 'off') =>
  z
    .string()
    .default(defaultValue)
    .transform((value, ctx) => {
      const parsed = FLAG_VALUES[value.trim().toLowerCase()];
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected on or off, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });

const positiveInt = (defaultValue: number) =>
  z.coerce
    .number({ error: 'expected a whole number' })
    .int({ error: 'expected a whole number' })
    .positive({ error: 'expected a number above 0' })
    .default(defaultValue);

/**
 * Which proxies may tell us the client's address in X-Forwarded-For: a hop count N (the
 * client is the address N hops back from the socket), or a comma-separated list of proxy
 * addresses/CIDRs. `off` is 0 hops; `on` is 1 hop, the single reverse proxy most setups
 * have. Nothing means "trust every hop": that would let any caller pick its own address by
 * sending a leftmost X-Forwarded-For entry, and multiply the free tier.
 */
const trustProxy = z
  .string()
  .default('off')
  .transform((value, ctx): number | string => {
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed)) return Number(trimmed);
    const asFlag = FLAG_VALUES[trimmed.toLowerCase()];
    if (asFlag !== undefined) return asFlag ? 1 : 0;
    if (/^[0-9a-fA-F:.,/\s]+$/.test(trimmed)) return trimmed.split(',').map((part) => part.trim()).join(',');
    ctx.addIssue({
      code: 'custom',
      message: `expected off, on, a hop count or a list of proxy addresses, got "${value}"`,
    });
    return z.NEVER;
  });

const absoluteHttpUrl = z
  .url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' })
  .transform((value) => value.replace(/\/+$/, ''));

const secret = z.string().trim().min(1).optional();

export const envSchema = z.object({
  PORT: z.coerce
    .number({ error: 'expected a port number' })
    .int({ error: 'expected a port number' })
    .min(0, { error: 'expected a port number from 0 to 65535' })
    .max(65535, { error: 'expected a port number from 0 to 65535' })
    .default(3000),
  HOST: z.string().min(1, { error: 'expected a host name or address' }).default('127.0.0.1'),
  AIPHOTO_DATA_DIR: z.string().min(1, { error: 'expected a directory path' }).default('./data'),
  AIPHOTO_PUBLIC_URL: absoluteHttpUrl.optional(),
  AIPHOTO_FREE_DAILY_LIMIT: positiveInt(5),
  AIPHOTO_PRO_DAILY_LIMIT: positiveInt(1000),
  AIPHOTO_TRUST_PROXY: trustProxy,
  AIPHOTO_LOCAL_PROVIDER: flag('on'),
  AIPHOTO_BLOCKLIST_FILE: z.string().min(1).optional(),
  AIPHOTO_WEB_DIR: z.string().min(1).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' }).optional(),
  AIPHOTO_S3_BUCKET: z.string().min(1).optional(),
  AIPHOTO_S3_PREFIX: z.string().default('images/'),
  AIPHOTO_S3_PUBLIC_MODE: z.enum(['proxy', 'presign'], { error: 'expected proxy or presign' }).default('proxy'),
  AWS_ENDPOINT_URL: absoluteHttpUrl.optional(),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  AWS_ACCESS_KEY_ID: secret,
  AWS_SECRET_ACCESS_KEY: secret,
  AWS_SESSION_TOKEN: secret,
  AIPHOTO_IMAGE_TTL_DAYS: z.coerce.number({ error: 'expected a number of days' }).min(0, { error: 'expected 0 (keep for ever) or more' }).default(30),
  AIPHOTO_SHUTDOWN_TIMEOUT_MS: positiveInt(25_000),
  AIPHOTO_HEADERS_TIMEOUT_MS: positiveInt(10_000),
  AIPHOTO_REQUEST_TIMEOUT_MS: positiveInt(60_000),
  AIPHOTO_KEEP_ALIVE_TIMEOUT_MS: positiveInt(5_000),
  AIPHOTO_REDIS_TIMEOUT_MS: positiveInt(1_500),
  AIPHOTO_OPENAI_MAX_N: positiveInt(4),
  AIPHOTO_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AIPHOTO_LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { error: 'expected auto, json or pretty' }).default('auto'),
  AIPHOTO_MAX_UPLOAD_BYTES: positiveInt(10 * 1024 * 1024),
  // What one unit buys is bounded by both (see DEFAULT_MAX_OUTPUT_PIXELS): the model's time
  // grows with the input's pixels, the memory with the output's.
  AIPHOTO_MAX_INPUT_PIXELS: positiveInt(1024 * 1024),
  AIPHOTO_MAX_OUTPUT_PIXELS: z.coerce
    .number({ error: 'expected a whole number' })
    .int({ error: 'expected a whole number' })
    .positive({ error: 'expected a number above 0' })
    .optional(),
  AIPHOTO_ENHANCE_JOB_TIMEOUT_MS: positiveInt(120_000),
  AIPHOTO_MAX_GENERATES_IN_FLIGHT: positiveInt(4),
  AIPHOTO_MAX_ENHANCES_IN_FLIGHT: positiveInt(1),
  AIPHOTO_ENHANCE_MODEL: z.enum(MODEL_SIZES, { error: `expected one of ${MODEL_SIZES.join(', ')}` }).default(DEFAULT_ENHANCE_MODEL),
  AIPHOTO_ENHANCE_RUNTIME: z.enum(RUNTIMES, { error: `expected one of ${RUNTIMES.join(', ')}` }).default('onnx'),
  AIPHOTO_ENHANCE_PRECISION: z.enum(PRECISION_SETTINGS, { error: `expected one of ${PRECISION_SETTINGS.join(', ')}` }).default('auto'),
  AIPHOTO_ENHANCE_WORKERS: positiveInt(1),
  AIPHOTO_ENHANCE_THREADS: positiveInt(os.availableParallelism()),
  AIPHOTO_ENHANCE_QUEUE: z.coerce.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(0, { error: 'expected 0 or more' }).default(4),
  // Each provider's key and base URL variables come from its descriptor (providerEnvSchema).
  AIPHOTO_MODELS_FILE: z.string().min(1).optional(),
  AIPHOTO_MODERATION: z.enum(['off', 'openai'], { error: 'expected off or openai' }).default('off'),
  AIPHOTO_PROVIDER_TIMEOUT_MS: positiveInt(90_000),
  AIPHOTO_GENERATION_TIMEOUT_MS: positiveInt(180_000),
  AIPHOTO_POLL_INTERVAL_MS: positiveInt(500),
  AIPHOTO_JOB_TTL_HOURS: z.coerce.number({ error: 'expected a number of hours' }).positive({ error: 'expected a number of hours above 0' }).default(24),
  AIPHOTO_JOB_LEASE_MS: positiveInt(30_000),
  AIPHOTO_WEBHOOK_ALLOW_HOSTS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
      // An entry with a "/" is meant as a network: a typo must not quietly become a host name.
      const bad = entries.find((entry) => entry.includes('/') && !ipaddr.isValidCIDR(entry));
      if (bad) {
        ctx.addIssue({ code: 'custom', message: `"${bad}" is not a network (address/prefix length)` });
        return z.NEVER;
      }
      return entries;
    }),
  AIPHOTO_WEBHOOK_RETRY_DELAYS_MS: z
    .string()
    .default('10000,60000,600000,3600000')
    .transform((value, ctx) => {
      const delays = value.split(',').map((part) => Number(part.trim()));
      if (delays.length > 10 || delays.some((delay) => !Number.isInteger(delay) || delay < 1)) {
        ctx.addIssue({ code: 'custom', message: 'expected up to 10 comma-separated waits in milliseconds' });
        return z.NEVER;
      }
      return delays;
    }),
  AIPHOTO_ENHANCE_TILE: z.coerce.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(64, { error: 'expected at least 64' }).default(288),
});

/** Every provider's key and base URL variables, from the descriptors. */
const providerEnvSchema = z.object(
  Object.fromEntries(
    PROVIDERS.flatMap((descriptor) => [
      [descriptor.keyEnv, secret],
      [descriptor.baseUrlEnv, absoluteHttpUrl.optional()],
    ]),
  ),
);

export interface ProviderConfig {
  apiKey: string;
  baseUrl: string;
}

/** A catalog candidate this server can call: its provider's key and address are known. */
export interface ResolvedCandidate {
  provider: string;
  model: string;
  /** The key is empty for a self-hosted server that takes none. */
  settings: ProviderConfig;
  options: Record<string, unknown>;
}

export interface ResolvedModel extends Omit<ModelSpec, 'candidates'> {
  /** The candidates that can be called, in order; empty when none is configured. */
  candidates: ResolvedCandidate[];
}

export interface S3Config {
  bucket: string;
  prefix: string;
  publicMode: 'proxy' | 'presign';
  endpoint: string | undefined;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Unset: image URLs and the docs' servers use the address each caller reached the server at. */
  publicUrl: string | undefined;
  freeDailyLimit: number;
  proDailyLimit: number;
  /** Proxy hops to trust (0: none), or a comma-separated list of proxy addresses/CIDRs. */
  trustProxy: number | string;
  localProvider: boolean;
  blocklistFile: string | undefined;
  /** The built web app to serve at `/`; unset means the server's own default location. */
  webDir: string | undefined;
  logLevel: z.infer<typeof envSchema>['AIPHOTO_LOG_LEVEL'];
  /** "auto": readable lines when stdout is a terminal, JSON otherwise. */
  logFormat: z.infer<typeof envSchema>['AIPHOTO_LOG_FORMAT'];
  limits: { maxUploadBytes: number; maxInputPixels: number; maxOutputPixels: number };
  /** Set: quota counts and keys live in Redis, shared by every instance. */
  redisUrl: string | undefined;
  /** Set: images live in this S3-compatible bucket instead of the data directory. */
  s3: S3Config | undefined;
  /** Images older than this are removed; 0 keeps them for ever. */
  imageTtlDays: number;
  /** Slow clients are cut off: see the README's "Limits and timeouts". */
  connections: {
    /** From connection to the end of the request headers. */
    headersTimeoutMs: number;
    /** From connection to the end of the whole request, body included. */
    requestTimeoutMs: number;
    /** How long an idle keep-alive connection stays open between requests. */
    keepAliveTimeoutMs: number;
  };
  /** Longest wait for one Redis command before the request answers 503. */
  redisTimeoutMs: number;
  /** How long SIGTERM waits for in-flight requests before cancelling (and refunding) them. */
  shutdownTimeoutMs: number;
  /** Images one request may ask for, on every surface (`n` on /v1 and tRPC). */
  openaiMaxImages: number;
  /** Work one caller may have in progress at once on one instance. */
  inFlightPerCaller: { generates: number; enhances: number };
  /** The hosted providers whose key is set. */
  providers: Record<string, ProviderConfig>;
  /** The model catalog (built in, or AIPHOTO_MODELS_FILE), with what can serve each model. */
  models: ResolvedModel[];
  moderation: 'off' | 'openai';
  timeouts: {
    /** One provider attempt, polling and download included. */
    attemptMs: number;
    /** The whole fallback chain. */
    generationMs: number;
    /** First wait between polls of an async provider; grows with backoff. */
    pollIntervalMs: number;
  };
  enhance: {
    model: ModelSize;
    runtime: RuntimeName;
    /** AIPHOTO_ENHANCE_PRECISION, "auto" resolved: int8 where the CPU has VNNI (enhance/precision.ts). */
    precision: Precision;
    /** Why, for the startup log. */
    precisionReason: string;
    workers: number;
    threads: number;
    /** Jobs that may wait while every worker is busy; beyond that, 503. */
    queue: number;
    maxTile: number;
    /** A job running longer is stopped and refunded. */
    jobTimeoutMs: number;
  };
  /** Background jobs (Prefer: respond-async) and their webhooks. */
  jobs: {
    /** An active job not renewed by its instance for this long is ended and refunded. */
    leaseMs: number;
    /** How long finished jobs are kept. */
    finishedTtlMs: number;
    /** Host names and addresses/CIDRs webhooks may reach besides public https. */
    webhookAllowHosts: string[];
    webhookRetryDelaysMs: number[];
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset, the way shells and .env files usually mean them. */
function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') result[key] = value;
  }
  return result;
}

/** `cwd` anchors a relative AIPHOTO_DATA_DIR (pnpm runs scripts inside the package folder). */
/**
 * The default output limit follows the precision enhance runs in, so that one unit buys about
 * the same time on any machine (bench/enhance, thick model, two cores): 4096² (×4 of a 1 MP
 * photo) takes 25 s in int8; in fp32 that is 2048², about 14 s.
 */
export const DEFAULT_MAX_OUTPUT_PIXELS: Record<Precision, number> = { int8: 4096 * 4096, fp32: 2048 * 2048 };

/** `vnni`: whether the CPU runs int8 fast (read from the machine unless a test says). */
export function loadConfig(env: Record<string, string | undefined>, options: { cwd?: string; vnni?: boolean } = {}): Config {
  const clean = withoutEmpty(env);
  const parsed = envSchema.safeParse(clean);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const values = parsed.data;
  const providerEnv = providerEnvSchema.safeParse(clean);
  if (!providerEnv.success) {
    throw new ConfigError(providerEnv.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const setting = (name: string) => (providerEnv.data as Record<string, string | undefined>)[name];
  const providers: Config['providers'] = {};
  for (const descriptor of PROVIDERS) {
    const apiKey = setting(descriptor.keyEnv);
    const baseUrl = setting(descriptor.baseUrlEnv) ?? descriptor.defaultBaseUrl;
    if (apiKey && baseUrl) providers[descriptor.name] = { apiKey, baseUrl };
  }
  const modelsFile = values.AIPHOTO_MODELS_FILE && path.resolve(options.cwd ?? process.cwd(), values.AIPHOTO_MODELS_FILE);
  let catalog: ModelSpec[];
  try {
    catalog = loadModelCatalog(modelsFile);
  } catch (error) {
    if (error instanceof CatalogError) throw new ConfigError([`AIPHOTO_MODELS_FILE: ${error.message}`]);
    throw error;
  }
  // Relative paths in candidate options (a ComfyUI workflow) are the catalog file's.
  const optionsBaseDir = modelsFile ? path.dirname(modelsFile) : (options.cwd ?? process.cwd());
  const models: ResolvedModel[] = catalog.map((model) => ({
    ...model,
    candidates: model.candidates.flatMap((candidate, index): ResolvedCandidate[] => {
      const descriptor = providerNamed(candidate.provider)!;
      let prepared = candidate.options ?? {};
      try {
        prepared = descriptor.prepareOptions?.(prepared, optionsBaseDir) ?? prepared;
      } catch (error) {
        throw new ConfigError([`AIPHOTO_MODELS_FILE: model ${model.id}, candidates[${index}] (${candidate.provider}): ${(error as Error).message}`]);
      }
      const apiKey = candidate.apiKeyEnv ? clean[candidate.apiKeyEnv]?.trim() : setting(descriptor.keyEnv);
      const baseUrl = candidate.baseUrl ?? setting(descriptor.baseUrlEnv) ?? descriptor.defaultBaseUrl;
      // A hosted provider without a key, or a self-hosted one without an address, is skipped.
      if (!baseUrl || (descriptor.needsKey && !apiKey)) return [];
      return [{ provider: candidate.provider, model: candidate.model, settings: { apiKey: apiKey ?? '', baseUrl }, options: prepared }];
    }),
  }));
  if (values.AIPHOTO_ENHANCE_PRECISION === 'int8' && values.AIPHOTO_ENHANCE_RUNTIME === 'tfjs') {
    throw new ConfigError(['AIPHOTO_ENHANCE_PRECISION: int8 runs on the onnx runtime only (AIPHOTO_ENHANCE_RUNTIME=tfjs is fp32)']);
  }
  const precision =
    values.AIPHOTO_ENHANCE_RUNTIME === 'tfjs'
      ? { precision: 'fp32' as const, reason: 'TensorFlow.js runs fp32' }
      : resolvePrecision(values.AIPHOTO_ENHANCE_PRECISION, options.vnni ?? cpuHasVnni(), values.AIPHOTO_ENHANCE_MODEL);
  if (values.AIPHOTO_MODERATION === 'openai' && !providers.openai) {
    throw new ConfigError(['AIPHOTO_MODERATION: "openai" needs OPENAI_API_KEY to be set']);
  }
  return {
    port: values.PORT,
    host: values.HOST,
    dataDir: path.resolve(options.cwd ?? process.cwd(), values.AIPHOTO_DATA_DIR),
    publicUrl: values.AIPHOTO_PUBLIC_URL,
    freeDailyLimit: values.AIPHOTO_FREE_DAILY_LIMIT,
    proDailyLimit: values.AIPHOTO_PRO_DAILY_LIMIT,
    trustProxy: values.AIPHOTO_TRUST_PROXY,
    localProvider: values.AIPHOTO_LOCAL_PROVIDER,
    blocklistFile: values.AIPHOTO_BLOCKLIST_FILE,
    webDir: values.AIPHOTO_WEB_DIR && path.resolve(options.cwd ?? process.cwd(), values.AIPHOTO_WEB_DIR),
    logLevel: values.AIPHOTO_LOG_LEVEL,
    logFormat: values.AIPHOTO_LOG_FORMAT,
    redisUrl: values.REDIS_URL,
    s3: values.AIPHOTO_S3_BUCKET
      ? {
          bucket: values.AIPHOTO_S3_BUCKET,
          prefix: values.AIPHOTO_S3_PREFIX,
          publicMode: values.AIPHOTO_S3_PUBLIC_MODE,
          endpoint: values.AWS_ENDPOINT_URL,
          region: values.AWS_REGION,
          credentials:
            values.AWS_ACCESS_KEY_ID && values.AWS_SECRET_ACCESS_KEY
              ? {
                  accessKeyId: values.AWS_ACCESS_KEY_ID,
                  secretAccessKey: values.AWS_SECRET_ACCESS_KEY,
                  ...(values.AWS_SESSION_TOKEN ? { sessionToken: values.AWS_SESSION_TOKEN } : {}),
                }
              : undefined,
        }
      : undefined,
    imageTtlDays: values.AIPHOTO_IMAGE_TTL_DAYS,
    shutdownTimeoutMs: values.AIPHOTO_SHUTDOWN_TIMEOUT_MS,
    connections: {
      headersTimeoutMs: values.AIPHOTO_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: values.AIPHOTO_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: values.AIPHOTO_KEEP_ALIVE_TIMEOUT_MS,
    },
    redisTimeoutMs: values.AIPHOTO_REDIS_TIMEOUT_MS,
    openaiMaxImages: values.AIPHOTO_OPENAI_MAX_N,
    inFlightPerCaller: { generates: values.AIPHOTO_MAX_GENERATES_IN_FLIGHT, enhances: values.AIPHOTO_MAX_ENHANCES_IN_FLIGHT },
    providers,
    models,
    moderation: values.AIPHOTO_MODERATION,
    timeouts: {
      attemptMs: values.AIPHOTO_PROVIDER_TIMEOUT_MS,
      generationMs: values.AIPHOTO_GENERATION_TIMEOUT_MS,
      pollIntervalMs: values.AIPHOTO_POLL_INTERVAL_MS,
    },
    limits: {
      maxUploadBytes: values.AIPHOTO_MAX_UPLOAD_BYTES,
      maxInputPixels: values.AIPHOTO_MAX_INPUT_PIXELS,
      maxOutputPixels: values.AIPHOTO_MAX_OUTPUT_PIXELS ?? DEFAULT_MAX_OUTPUT_PIXELS[precision.precision],
    },
    enhance: {
      model: values.AIPHOTO_ENHANCE_MODEL,
      runtime: values.AIPHOTO_ENHANCE_RUNTIME,
      precision: precision.precision,
      precisionReason: precision.reason,
      workers: values.AIPHOTO_ENHANCE_WORKERS,
      threads: values.AIPHOTO_ENHANCE_THREADS,
      queue: values.AIPHOTO_ENHANCE_QUEUE,
      maxTile: values.AIPHOTO_ENHANCE_TILE,
      jobTimeoutMs: values.AIPHOTO_ENHANCE_JOB_TIMEOUT_MS,
    },
    jobs: {
      leaseMs: values.AIPHOTO_JOB_LEASE_MS,
      finishedTtlMs: values.AIPHOTO_JOB_TTL_HOURS * 3_600_000,
      webhookAllowHosts: values.AIPHOTO_WEBHOOK_ALLOW_HOSTS,
      webhookRetryDelaysMs: values.AIPHOTO_WEBHOOK_RETRY_DELAYS_MS,
    },
  };
}
