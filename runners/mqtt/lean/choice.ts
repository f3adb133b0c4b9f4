/**
 * Which MQTT client drives a scenario: chatbench's lean client (the load path) when it serves
 * every feature the scenario needs, else MQTT.js — or the one `--mqtt-client` forces. The
 * driver names its client (Driver.client): each scenario's result says which client measured
 * it, and the run's target mapping lists the clients of all its scenarios.
 */
import type { Driver, DriverFeature, DriverOptions } from '../../../core/driver.js';
import { InputError } from '../../../core/errors.js';
import { createMqttDriver, type MqttDriverOptions } from '../driver.js';
import type { MqttTarget } from '../endpoint.js';
import { createLeanDriver, leanServes } from './driver.js';

export const MQTT_CLIENTS = ['auto', 'lean', 'mqttjs'] as const;
export type MqttClientChoice = (typeof MQTT_CLIENTS)[number];

/** The `--mqtt-client` value, checked: auto, lean or mqttjs. */
export function parseMqttClient(value: string | undefined): MqttClientChoice {
  if (value === undefined) return 'auto';
  const choice = MQTT_CLIENTS.find((c) => c === value);
  if (choice === undefined) throw new InputError(`--mqtt-client ${value}: expected ${MQTT_CLIENTS.join(', ')}`);
  return choice;
}

/** The client a scenario needing `needs` runs on. */
export function clientFor(choice: MqttClientChoice, needs: readonly DriverFeature[]): 'lean' | 'mqttjs' {
  if (choice !== 'auto') return choice;
  return leanServes(needs) ? 'lean' : 'mqttjs';
}

/** A TargetHandle's createDriver for an MQTT target: picks the client per scenario. */
export function driverFactory(target: MqttTarget, base: Omit<MqttDriverOptions, 'runId'>, choice: MqttClientChoice): (runId: string, options?: DriverOptions) => Driver {
  return (runId, options) => {
    const client = clientFor(choice, options?.needs ?? []);
    const driverOptions: MqttDriverOptions = {
      runId,
      ...base,
      ...(options?.via === undefined ? {} : { via: options.via }),
      ...(options?.topics === undefined ? {} : { topics: options.topics }),
    };
    return client === 'lean' ? createLeanDriver(target, driverOptions) : createMqttDriver(target, driverOptions);
  };
}
