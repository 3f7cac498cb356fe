import { MemoryQuotaStore } from './memory-quota-store.ts';
import { describeQuotaStore } from './quota-store.contract.ts';

describeQuotaStore('memory', { persistent: false }, () => ({ open: async () => new MemoryQuotaStore() }));
