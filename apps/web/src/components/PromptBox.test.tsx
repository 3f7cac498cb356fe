import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { PromptBox } from './PromptBox.tsx';

function Harness({ limit }: { limit: number }) {
  const [value, setValue] = useState('');
  return <PromptBox value={value} onChange={setValue} limit={limit} />;
}

describe('PromptBox', () => {
  it('counts live and stops accepting characters at the limit', async () => {
    render(<Harness limit={10} />);
    const box = screen.getByLabelText('Prompt');
    await userEvent.type(box, 'a lighthouse at dusk');
    expect((box as HTMLTextAreaElement).value).toBe('a lighthou');
    expect(screen.getByText('10 / 10')).toBeTruthy();
    await userEvent.clear(box);
    await userEvent.type(box, '🌄 sea');
    expect(screen.getByText('5 / 10')).toBeTruthy();
  });
});
