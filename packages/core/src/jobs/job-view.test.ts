import { describe, expect, it } from 'vitest';
import { jobRecord } from './job-store.contract.ts';
import { jobView } from './job-view.ts';

describe('jobView', () => {
  it('shows a caller its job in the API’s words, without owner, lease, charge or cancel flag', () => {
    const record = jobRecord({
      status: 'failed',
      progress: 0.25,
      stage: 'failed',
      error: { error: 'generation_failed', message: 'Every provider failed.' },
      refunded: true,
      charge: { day: '2026-12-02', units: 1 },
      cancelRequested: true,
      webhook: { url: 'https://example.com/h', keyId: 'key_private', state: 'failed', attempts: [{ at: 't1', statusCode: 500, error: 'the receiver answered 500' }, { at: 't2', error: 'timeout' }, { at: 't3', statusCode: 204 }] },
    });
    expect(jobView(record)).toStrictEqual({
      id: record.id,
      kind: 'generate',
      status: 'failed',
      progress: 0.25,
      stage: 'failed',
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      error: { error: 'generation_failed', message: 'Every provider failed.' },
      refunded: true,
      webhook: {
        url: 'https://example.com/h',
        state: 'failed',
        attempts: [
          { at: 't1', status_code: 500, error: 'the receiver answered 500' },
          { at: 't2', error: 'timeout' },
          { at: 't3', status_code: 204 },
        ],
      },
    });
  });

  it('leaves out what a job does not have yet, and keeps a result as it is', () => {
    const running = jobRecord();
    expect(Object.keys(jobView(running)).sort()).toEqual(['created_at', 'id', 'kind', 'progress', 'stage', 'status', 'updated_at']);
    expect(jobView({ ...running, status: 'succeeded', result: { url: 'u', usage: 1 }, refunded: false })).toMatchObject({ result: { url: 'u', usage: 1 }, refunded: false });
  });
});
