/**
 * An MQTT driver on a broker started for one test and stopped after it, whatever happens:
 * the embedded Aedes (MQTT 3.1.1) or a mosquitto (3.1.1 or 5.0).
 */
import type { Driver } from '../../core/driver.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { startEmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { startMosquitto } from './mosquitto.js';

export type MqttVersion = '3.1.1' | '5.0';

/** Runs `body` with a driver for `runId` on a fresh broker (`url` is the broker's); closes both after. */
export async function withMqttBroker(
  broker: 'embedded' | 'mosquitto', mqttVersion: MqttVersion, runId: string,
  body: (driver: Driver, url: string) => Promise<void>,
): Promise<void> {
  const started = broker === 'embedded'
    ? await startEmbeddedBroker().then((b) => ({ url: b.url, stop: () => b.close() }))
    : await startMosquitto().then((m) => ({ url: m.url, stop: () => m.stop() }));
  const driver = createMqttDriver({ url: started.url, mqttVersion }, { runId, embedded: broker === 'embedded' });
  try {
    await body(driver, started.url);
  } finally {
    await driver.close();
    await started.stop();
  }
}
