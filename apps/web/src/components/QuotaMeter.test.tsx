import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { formatCountdown } from '../lib/countdown.ts';
import { QuotaMeterView } from './QuotaMeter.tsx';

describe('quota meter', () => {
  it('shows usage, remaining, plan and the countdown to reset', () => {
    const status = { usage_today: 2, limit_today: 5, remaining: 3, reset_at: '2026-05-10T00:00:00Z', plan: 'free' as const };
    const { rerender } = render(<QuotaMeterView status={status} now={new Date('2026-05-09T18:56:51Z')} />);
    expect(screen.getByTestId('usage').textContent).toBe('2');
    expect(screen.getByTestId('limit').textContent).toBe('5');
    expect(screen.getByTestId('remaining').textContent).toBe('3 left');
    expect(screen.getByText('Free')).toBeTruthy();
    expect(screen.getByTestId('countdown').textContent).toBe('5h 03m 09s');
    rerender(<QuotaMeterView status={{ ...status, plan: 'pro' }} now={new Date('2026-05-09T23:59:58Z')} />);
    expect(screen.getByTestId('countdown').textContent).toBe('2s');
    expect(screen.getByText('Pro')).toBeTruthy();
  });

  it('never counts below zero', () => {
    expect(formatCountdown(new Date('2026-05-10T00:00:00Z'), new Date('2026-05-10T00:00:05Z'))).toBe('0s');
    expect(formatCountdown(new Date('2026-05-10T00:10:00Z'), new Date('2026-05-10T00:00:01Z'))).toBe('9m 59s');
  });
});
