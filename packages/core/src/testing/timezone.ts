/**
 * Every test runs in a time zone far from UTC, so that code reading the local date where it
 * means the UTC day (the quota day, the reset time) fails here instead of in production.
 */
process.env.TZ = 'Pacific/Auckland';
