import { clampPrompt, countCharacters } from '../lib/prompt.ts';

export function PromptBox({ value, onChange, limit }: { value: string; onChange: (value: string) => void; limit: number }) {
  const count = countCharacters(value);
  return (
    <div className="field">
      <label htmlFor="prompt">Prompt</label>
      <textarea
        id="prompt"
        rows={4}
        value={value}
        placeholder="A serene mountain lake at golden hour"
        aria-describedby="prompt-count"
        onChange={(event) => onChange(clampPrompt(event.target.value, limit))}
      />
      <div id="prompt-count" className={`counter${count >= limit ? ' full' : ''}`} aria-live="polite">
        {count} / {limit}
      </div>
    </div>
  );
}
