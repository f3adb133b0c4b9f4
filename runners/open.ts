/**
 * Opens the target a run talks to: the server a scenario file or --target names, or, when
 * none is named, the embedded broker (Aedes on a free 127.0.0.1 port) for the run's length.
 * Picks the driver by URL scheme.
 */
import type { Driver, TargetHandle } from '../core/driver.js';
import { InputError } from '../core/errors.js';
import type { TargetSpec } from '../core/scenario/types.js';
import { createMqttDriver } from './mqtt/driver.js';
import { startEmbeddedBroker } from './mqtt/embedded.js';
import { displayTarget } from './mqtt/endpoint.js';

const MQTT_SCHEMES = new Set(['mqtt:', 'mqtts:', 'ws:', 'wss:']);

export interface OpenOptions {
  env?: NodeJS.ProcessEnv;
}

export async function openTarget(target: TargetSpec | null, options: OpenOptions = {}): Promise<TargetHandle> {
  if (target === null) return openEmbedded(options);
  const scheme = new URL(target.url).protocol;
  if (!MQTT_SCHEMES.has(scheme)) {
    throw new InputError(`target ${displayTarget(target.url)}: unsupported scheme "${scheme}" (mqtt://, mqtts://, ws://, wss://)`);
  }
  return {
    info: { url: displayTarget(target.url), protocol: 'mqtt', protocolVersion: target.mqttVersion, embedded: false, tcpNoDelay: true },
    createDriver: (runId: string): Driver => createMqttDriver(target, { runId, ...(options.env ? { env: options.env } : {}) }),
    close: async () => undefined,
  };
}

/** Aedes speaks MQTT 3.1.1, so the embedded target does too. */
async function openEmbedded(options: OpenOptions): Promise<TargetHandle> {
  const broker = await startEmbeddedBroker();
  const spec: TargetSpec = { url: broker.url, mqttVersion: '3.1.1' };
  return {
    info: { url: broker.url, protocol: 'mqtt', protocolVersion: '3.1.1', embedded: true, tcpNoDelay: true },
    createDriver: (runId: string): Driver =>
      createMqttDriver(spec, { runId, embedded: true, ...(options.env ? { env: options.env } : {}) }),
    close: () => broker.close(),
  };
}
