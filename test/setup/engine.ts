import { releaseEngine } from '../harness/engine';

// Each suite file gets fresh engine modules; stop what they leave running, as n8n's shutdown does.
afterAll(() => releaseEngine());
