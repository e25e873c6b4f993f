// Mocha root hooks: every test file runs on the backend initBackend() picks (BLOCKWISE_BACKEND forces one).
