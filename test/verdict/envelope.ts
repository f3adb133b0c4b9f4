/** The envelope fields the CLI gives a comparison, fixed for tests. */
import type { CompareEnvelope } from '../../core/verdict/compare.js';

export const ENVELOPE: CompareEnvelope = {
  tool: { name: 'chatbench', version: '1.0.0-test' },
  runId: 'cmp-test',
  startedAt: '2025-01-01T00:00:00.000Z',
  finishedAt: '2025-01-01T00:00:01.000Z',
  environment: { node: 'v20.0.0', platform: 'linux', arch: 'x64', cpus: 2 },
};
