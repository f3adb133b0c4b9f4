/**
 * Every conformance suite chatbench has, by protocol. `chatbench conform` picks the suite of
 * the target's protocol here; adding a protocol's suite is one line.
 */
import { runnable, type RunnableSuite } from '../core/conform/suite.js';
import { mqttSuite } from './mqtt/index.js';

export const SUITES: readonly RunnableSuite[] = [runnable(mqttSuite)];

export function suiteFor(protocol: string): RunnableSuite | undefined {
  return SUITES.find((s) => s.protocol === protocol);
}
