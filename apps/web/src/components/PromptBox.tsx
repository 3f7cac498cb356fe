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
        aria-describedby="prompt-count prompt-hint"
        onChange={(event) => onChange(clampPrompt(event.target.value, limit))}
        // Ctrl+Enter (Cmd+Enter on a Mac) sends, as in chat and playground pages; Enter alone is a new line.
        onKeyDown={(event) => {
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            event.currentTarget.form?.requestSubmit();
          }
        }}
      />
      <div id="prompt-count" className={`counter${count >= limit ? ' full' : ''}`} aria-live="polite">
        {count} / {limit}
      </div>
      <div id="prompt-hint" className="visually-hidden">
        Press Control and Enter to generate.
      </div>
    </div>
  );
}
