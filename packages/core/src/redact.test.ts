import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { configuredSecrets, lineRedactor, redactSecrets } from './redact.ts';

describe('redactSecrets', () => {
  it('removes AIPhoto keys and bearer tokens wherever they appear', () => {
    const line = '{"headers":{"authorization":"Bearer aip_DVsCPlqgKs3I4NV6M5U44uVXQdaqkk-snXwrqcFmyjE"},"msg":"key aip_abcdefgh12345678 seen"}';
    const redacted = redactSecrets(line, []);
    expect(redacted).not.toContain('DVsCPlqgKs3I4NV6');
    expect(redacted).not.toContain('abcdefgh12345678');
    expect(redacted).toContain('Bearer aip_[redacted]');
    expect(redactSecrets('Authorization: Bearer sk-proj-0123456789abcdef', [])).toBe('Authorization: Bearer [redacted]');
  });

  it('removes webhook signing secrets, in any field', () => {
    const line = '{"key":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","webhook":{"secret":"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}}';
    expect(redactSecrets(line, [])).toBe('{"key":"whsec_[redacted]","webhook":{"secret":"whsec_[redacted]"}}');
  });

  it('removes the configured provider, storage and Redis secrets by value', () => {
    const config = loadConfig({
      OPENAI_API_KEY: 'sk-live-0123456789',
      FAL_KEY: 'fal-id:fal-secret-999',
      AIPHOTO_S3_BUCKET: 'b',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
      REDIS_URL: 'redis://:p%40ssw0rd-long@127.0.0.1:6379',
    });
    const secrets = configuredSecrets(config);
    const body = '{"error":"bad key sk-live-0123456789 for fal-id:fal-secret-999, wJalrXUtnFEMI/K7MDENG, p@ssw0rd-long"}';
    const redacted = redactSecrets(body, secrets);
    for (const secret of ['sk-live-0123456789', 'fal-secret-999', 'wJalrXUtnFEMI', 'p@ssw0rd-long']) expect(redacted).not.toContain(secret);
  });

  it('lists only the credentials that are set, none too short to be one, with no storage or Redis configured', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-live-0123456789', STABILITY_API_KEY: 'sk-1' });
    // The provider's key, and the same key again where a model's candidate carries it.
    expect(new Set(configuredSecrets(config))).toEqual(new Set(['sk-live-0123456789']));
  });

  it('scrubs each log line on its way out: configured values and patterns, each replaced by a marker', () => {
    const scrub = lineRedactor(['sk-live-0123456789']);
    expect(scrub('{"msg":"rejected sk-live-0123456789 with Bearer aip_abcdefgh12345678"}')).toBe('{"msg":"rejected [redacted] with Bearer aip_[redacted]"}');
  });

  it('leaves ordinary log lines alone', () => {
    const line = '{"level":30,"msg":"request completed","url":"/api/status","responseTime":1.2}';
    expect(redactSecrets(line, ['sk-live-0123456789'])).toBe(line);
  });
});
