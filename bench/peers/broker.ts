/**
 * The one local mosquitto every tool of `npm run bench:peers` runs against, with the same
 * settings for all: chatbench's fixture config (queue raised, Nagle off, nothing on disk) plus
 * the limits below, raised so the broker drops nothing and throttles no tool's QoS 1 flow.
 * Stopped by PID (runners/local/process.ts) at the end, on errors and on Ctrl-C.
 */
import { startLocalServer, type StartedServer } from '../../runners/local/index.js';

/**
 * mosquitto.conf(5): max_queued_messages (default 1000, the fixture 100,000) drops messages, QoS 1
 * included, to a subscriber behind by more; max_inflight_messages (default 20) caps the QoS 1
 * deliveries to one client that await PUBACK, which would pace every tool's QoS 1 subscriber alike
 * at 20 per round trip — raised so the tools, not that window, set the pace.
 */
export const BROKER_SETTINGS: readonly string[] = ['max_queued_messages 1000000', 'max_inflight_messages 1000'];

export function startBroker(signal: AbortSignal): Promise<StartedServer> {
  return startLocalServer({ server: 'mosquitto', protocol: 'mqtt', users: 0, extraConfig: BROKER_SETTINGS, signal });
}

/** The broker's port, for the peers' own command lines (`-p PORT`). */
export function brokerPort(server: StartedServer): number {
  return Number(new URL(server.url).port);
}
