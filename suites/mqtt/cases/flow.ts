/** Conformance cases: see suites/mqtt/index.ts for how they are gathered. */
import type { ConformCase } from '../../../core/conform/case.js';
import type { MqttCaseContext } from '../context.js';

export const cases: ConformCase<MqttCaseContext>[] = [];
