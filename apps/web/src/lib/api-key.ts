const STORAGE_KEY = 'aiphoto.apiKey';
const listeners = new Set<() => void>();

export function readApiKey(): string | undefined {
  return localStorage.getItem(STORAGE_KEY) ?? undefined;
}

export function saveApiKey(key: string | undefined): void {
  if (key) localStorage.setItem(STORAGE_KEY, key.trim());
  else localStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener();
}

export function onApiKeyChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
