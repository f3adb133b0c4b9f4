/**
 * What an MQTT server offers, by capability name: read from the CONNACK it sends a plain
 * CONNECT (MQTT 5.0 announces maximum QoS, retain, wildcard / shared / subscription-identifier
 * availability, topic alias maximum, receive maximum, maximum packet size, server keep alive),
 * laid over the profile file (MQTT 5.0 defaults absent properties as the spec does: available) for what it does not announce. A case names the capabilities it
 * needs; a server without one skips the case with the reason.
 */
import type { IConnackPacket } from 'mqtt-packet';
import type { CapabilityValue } from '../../core/conform/suite.js';
import type { MqttProfile } from './profile.js';

export interface MqttCapabilities {
  maximumQoS: 0 | 1 | 2;
  retainAvailable: boolean;
  wildcardSubscriptionAvailable: boolean;
  sharedSubscriptionAvailable: boolean;
  subscriptionIdentifiersAvailable: boolean;
  /** 0: the server accepts no topic alias from clients. */
  topicAliasMaximum: number;
  /** How many QoS 1/2 PUBLISHes the server processes at once (65,535 when not announced). */
  receiveMaximum: number;
  /** The largest packet the server accepts, or null when it announces no limit. */
  maximumPacketSize: number | null;
  /** The keep alive the server imposes, or null. */
  serverKeepAlive: number | null;
  deniedTopic: string | null;
  queuesQos0Offline: boolean | null;
  websocketUrl: string | null;
  /** The enhanced-authentication method the profile says the server supports (5.0), or null. */
  authenticationMethod: string | null;
}

/** The names cases put in `needs`, and how each is read from the capabilities. */
export const NEEDS = {
  qos1: (c: MqttCapabilities) => c.maximumQoS >= 1 || 'the server grants at most QoS 0',
  qos2: (c: MqttCapabilities) => c.maximumQoS >= 2 || `the server grants at most QoS ${c.maximumQoS}`,
  retain: (c: MqttCapabilities) => c.retainAvailable || 'the server has no retained messages (Retain Available 0)',
  wildcards: (c: MqttCapabilities) => c.wildcardSubscriptionAvailable || 'the server takes no wildcard subscriptions',
  'shared-subscriptions': (c: MqttCapabilities) => c.sharedSubscriptionAvailable || 'the server has no shared subscriptions',
  'subscription-identifiers': (c: MqttCapabilities) => c.subscriptionIdentifiersAvailable || 'the server has no subscription identifiers',
  'topic-alias': (c: MqttCapabilities) => c.topicAliasMaximum > 0 || 'the server accepts no topic aliases (Topic Alias Maximum 0)',
  'denied-topic': (c: MqttCapabilities) => c.deniedTopic !== null || 'no ACL-denied topic in the profile (deniedTopic)',
  'qos0-offline-known': (c: MqttCapabilities) => c.queuesQos0Offline !== null || 'the profile does not say whether QoS 0 is queued offline (queuesQos0Offline)',
  websocket: (c: MqttCapabilities) => c.websocketUrl !== null || 'no WebSocket URL (a ws:// target or websocketUrl in the profile)',
  'enhanced-auth': (c: MqttCapabilities) => c.authenticationMethod !== null || 'no enhanced authentication method in the profile (authenticationMethod)',
  'packet-size-limit': (c: MqttCapabilities) => c.maximumPacketSize !== null || 'the server announces no Maximum Packet Size',
} as const satisfies Record<string, (c: MqttCapabilities) => true | string>;

export type Need = keyof typeof NEEDS;

export function isNeed(name: string): name is Need {
  return Object.hasOwn(NEEDS, name);
}

/** The first need the server does not meet, as the reason a case is skipped. */
export function unmetNeed(needs: readonly string[], caps: MqttCapabilities): string | undefined {
  for (const need of needs) {
    if (!isNeed(need)) return `chatbench does not know the capability "${need}"`;
    const met = NEEDS[need](caps);
    if (met !== true) return met;
  }
  return undefined;
}

/** Capabilities from a CONNACK (5.0 properties; 3.1.1 has none) and the profile. */
export function capabilitiesFrom(level: 4 | 5, connack: IConnackPacket | undefined, profile: MqttProfile, websocketUrl: string | null): MqttCapabilities {
  const p = connack?.properties ?? {};
  const v5 = level === 5;
  return {
    maximumQoS: (p.maximumQoS as 0 | 1 | undefined) ?? profile.maximumQoS ?? 2,
    retainAvailable: p.retainAvailable ?? profile.retainAvailable ?? true,
    wildcardSubscriptionAvailable: p.wildcardSubscriptionAvailable ?? profile.wildcardSubscriptionAvailable ?? true,
    sharedSubscriptionAvailable: p.sharedSubscriptionAvailable ?? profile.sharedSubscriptionAvailable ?? v5,
    subscriptionIdentifiersAvailable: v5 && (p.subscriptionIdentifiersAvailable ?? true),
    topicAliasMaximum: p.topicAliasMaximum ?? 0,
    receiveMaximum: p.receiveMaximum ?? 65_535,
    maximumPacketSize: p.maximumPacketSize ?? null,
    serverKeepAlive: p.serverKeepAlive ?? null,
    deniedTopic: profile.deniedTopic ?? null,
    queuesQos0Offline: profile.queuesQos0Offline ?? null,
    websocketUrl: profile.websocketUrl ?? websocketUrl,
    authenticationMethod: v5 ? (profile.authenticationMethod ?? null) : null,
  };
}

/** For the result: every capability as a plain value. */
export function capabilityRecord(c: MqttCapabilities): Record<string, CapabilityValue> {
  return { ...c };
}
