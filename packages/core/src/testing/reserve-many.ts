/**
 * A child process for the multi-process quota test: opens the shared SQLite file with its
 * own connection, waits for the common start time, then reserves one unit at a time as
 * fast as it can. Prints how many it was admitted, and when it began and ended.
 */
import { openDatabase } from '../database.ts';
import { SqliteQuotaStore } from '../quota/sqlite-quota-store.ts';

const [dataDir, attemptsText, limitText, startAtText] = process.argv.slice(2);
const store = new SqliteQuotaStore(openDatabase(dataDir!));
while (Date.now() < Number(startAtText)) {
  // Busy-wait: every process starts its burst at the same instant.
}
let admitted = 0;
const firstAt = Date.now();
for (let i = 0; i < Number(attemptsText); i++) {
  if ((await store.reserve('ip:203.0.113.9', '2026-11-25', 1, Number(limitText))).admitted) admitted++;
}
process.stdout.write(JSON.stringify({ admitted, firstAt, lastAt: Date.now() }));
