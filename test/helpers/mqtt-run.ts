/** One scenario against an MQTT server by URL, with a driver made for it and closed after. */
import { runScenario } from '../../core/engine/index.js';
import type { ScenarioResult } from '../../core/result/index.js';
import type { ScenarioSpec } from '../../core/scenario/types.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';

export async function runOnMqtt(
  url: string, mqttVersion: '3.1.1' | '5.0', runId: string, scenario: ScenarioSpec, embedded = false,
  createDriver: typeof createMqttDriver = createMqttDriver,
): Promise<ScenarioResult> {
  const driver = createDriver({ url, mqttVersion }, { runId, embedded });
  try {
    return await runScenario(scenario, { runId, driver });
  } finally {
    await driver.close();
  }
}
