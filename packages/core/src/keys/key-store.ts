export interface ApiKeyRecord {
  id: string;
  name: string;
  /** The first characters of the key, safe to show so a person can tell keys apart. */
  prefix: string;
  /** Hex SHA-256 of the whole key; the key itself is never stored. */
  hash: string;
  /** Overrides the pro plan's default daily limit when set. */
  dailyLimit: number | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface KeyStore {
  insert(record: ApiKeyRecord): Promise<void>;
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; returns false when no such key exists. */
  revoke(id: string, at: string): Promise<boolean>;
  /**
   * The key's webhook signing secret. Unlike the key it is kept as it is: signing needs it,
   * and it is worth nothing without the receiver it signs for.
   */
  webhookSecret(id: string): Promise<string | undefined>;
  /**
   * Sets it, unless `onlyIfUnset` and one exists; returns the secret in force afterwards, or
   * undefined when there is no such key.
   */
  setWebhookSecret(id: string, secret: string, onlyIfUnset: boolean): Promise<string | undefined>;
}
