// Mocha root hooks: every test file runs on the backend initBackend() picks (BLOCKWISE_BACKEND forces one).
import { describeBackend, initBackend } from '../lib/backend';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    console.log(describeBackend(await initBackend()));
  },
};
