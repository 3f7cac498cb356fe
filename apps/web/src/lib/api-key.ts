const STORAGE_KEY = 'aiphoto.apiKey';

export function readApiKey(): string | undefined {
  return localStorage.getItem(STORAGE_KEY) ?? undefined;
}

export function saveApiKey(key: string | undefined): void {
  if (key) localStorage.setItem(STORAGE_KEY, key.trim());
  else localStorage.removeItem(STORAGE_KEY);
}
