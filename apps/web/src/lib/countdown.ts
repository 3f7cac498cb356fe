/** "5h 03m 09s" until `target`; "0s" once it has passed. */
export function formatCountdown(target: Date, now: Date): string {
  const total = Math.max(Math.floor((target.getTime() - now.getTime()) / 1000), 0);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (value: number) => String(value).padStart(2, '0');
  if (hours > 0) return `${hours}h ${pad(minutes)}m ${pad(seconds)}s`;
  if (minutes > 0) return `${minutes}m ${pad(seconds)}s`;
  return `${seconds}s`;
}
