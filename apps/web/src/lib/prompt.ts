/** The server counts Unicode code points after trimming; so does the page. */
export function countCharacters(text: string): number {
  return [...text.trim()].length;
}

/** Cuts typed or pasted text to `limit` code points, never splitting an emoji. */
export function clampPrompt(text: string, limit: number): string {
  const characters = [...text];
  if (countCharacters(text) <= limit) return text;
  const leading = text.length - text.trimStart().length;
  return characters.slice(0, [...text.slice(0, leading)].length + limit).join('');
}
