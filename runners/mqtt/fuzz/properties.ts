/**
 * MQTT 5.0 properties and reason codes, as fast-check arbitraries of mqtt-packet's shapes: one
 * record per packet type (§2.2.2.2 says which property goes in which packet) and one reason-code
 * table per packet type. Values stay inside the ranges the spec allows, so a packet built from
 * them is valid by construction:
 * - Receive Maximum and Maximum Packet Size are never 0 (a Protocol Error, §3.1.2.11.3/.4);
 * - Topic Alias is never 0 (§3.3.2.3.4); Subscription Identifier is 1..268,435,455 (§3.3.2.3.8);
 * - Maximum QoS is 0 or 1 (§3.2.2.3.4); a Response Topic is a topic name without wildcards (§3.3.2.3.5).
 * Property sets are records with optional keys, so fast-check shrinks by dropping properties.
 */
import { ReasonCodes } from '../reason-codes.js';
import fc from 'fast-check';
import type { UserProperties } from 'mqtt-packet';
import { bytesArb, topicNameArb, utf8StringArb } from './strings.js';

/** A Four Byte Integer. */
const u32Arb = fc.nat(0xffff_ffff);
const u16Arb = fc.nat(0xffff);
const nonZeroU16Arb = fc.integer({ min: 1, max: 0xffff });
const nonZeroU32Arb = fc.integer({ min: 1, max: 0xffff_ffff });
/** Subscription Identifier: a Variable Byte Integer of 1..268,435,455. */
export const subscriptionIdArb: fc.Arbitrary<number> = fc.integer({ min: 1, max: 268_435_455 });

/**
 * User Properties as mqtt-packet holds them: a name maps to one value, or to the values of a
 * name that appears several times (at least two: mqtt-packet reads one occurrence back as a
 * plain string, and a repeated first value of "" as absent, so both would not round-trip).
 */
export const userPropertiesArb: fc.Arbitrary<UserProperties> = fc
  .uniqueArray(
    fc.tuple(
      utf8StringArb(6),
      fc.oneof(utf8StringArb(8), fc.array(utf8StringArb(8, 1), { minLength: 2, maxLength: 3 })),
    ),
    { selector: ([name]) => name, minLength: 1, maxLength: 3 },
  )
  .map((pairs) => Object.fromEntries(pairs) as UserProperties);

/** A payload and its Payload Format Indicator: when it says UTF-8 (true), the payload is UTF-8 text (§3.3.2.3.2). */
export const formattedPayloadArb: fc.Arbitrary<{ payloadFormatIndicator: boolean | undefined; payload: Buffer }> = fc
  .record({ indicator: fc.option(fc.boolean(), { nil: undefined }), text: utf8StringArb(16), bytes: bytesArb(32) })
  .map(({ indicator, text, bytes }) => ({ payloadFormatIndicator: indicator, payload: indicator === true ? Buffer.from(text, 'utf8') : bytes }));

const reasonStringArb = utf8StringArb(10);

export const connectPropertiesArb = fc.record(
  {
    sessionExpiryInterval: u32Arb,
    receiveMaximum: nonZeroU16Arb,
    maximumPacketSize: nonZeroU32Arb,
    topicAliasMaximum: u16Arb,
    requestResponseInformation: fc.boolean(),
    requestProblemInformation: fc.boolean(),
    userProperties: userPropertiesArb,
    authenticationMethod: utf8StringArb(8),
    authenticationData: bytesArb(),
  },
  { requiredKeys: [] },
);

/** Will properties without the payload format indicator: connectArb sets it with the will payload. */
export const willPropertiesArb = fc.record(
  {
    willDelayInterval: u32Arb,
    messageExpiryInterval: u32Arb,
    contentType: utf8StringArb(8),
    responseTopic: topicNameArb,
    correlationData: bytesArb(),
    userProperties: userPropertiesArb,
  },
  { requiredKeys: [] },
);

export const connackPropertiesArb = fc.record(
  {
    sessionExpiryInterval: u32Arb,
    receiveMaximum: nonZeroU16Arb,
    maximumQoS: fc.constantFrom(0, 1),
    retainAvailable: fc.boolean(),
    maximumPacketSize: nonZeroU32Arb,
    assignedClientIdentifier: utf8StringArb(12),
    topicAliasMaximum: u16Arb,
    reasonString: reasonStringArb,
    userProperties: userPropertiesArb,
    wildcardSubscriptionAvailable: fc.boolean(),
    subscriptionIdentifiersAvailable: fc.boolean(),
    sharedSubscriptionAvailable: fc.boolean(),
    serverKeepAlive: u16Arb,
    responseInformation: utf8StringArb(8),
    serverReference: utf8StringArb(8),
    authenticationMethod: utf8StringArb(8),
    authenticationData: bytesArb(),
  },
  { requiredKeys: [] },
);

/**
 * PUBLISH properties other than the payload format indicator (set with the payload). `fromServer`
 * adds what only a server may send: Subscription Identifiers [MQTT-3.3.4-6]; Topic Alias is left
 * to the caller, since a client may use one only below the server's Topic Alias Maximum.
 */
export function publishPropertiesArb(opts: { topicAlias: boolean; fromServer: boolean }) {
  return fc.record(
    {
      messageExpiryInterval: u32Arb,
      responseTopic: topicNameArb,
      correlationData: bytesArb(),
      userProperties: userPropertiesArb,
      contentType: utf8StringArb(8),
      ...(opts.topicAlias ? { topicAlias: nonZeroU16Arb } : {}),
      ...(opts.fromServer
        ? { subscriptionIdentifier: fc.oneof(subscriptionIdArb, fc.array(subscriptionIdArb, { minLength: 2, maxLength: 3 })) }
        : {}),
    },
    { requiredKeys: [] },
  );
}

export const subscribePropertiesArb = fc.record(
  { subscriptionIdentifier: subscriptionIdArb, userProperties: userPropertiesArb },
  { requiredKeys: [] },
);

/** Reason String and User Property: all an acknowledgement, UNSUBSCRIBE or SUBACK carries. */
export const ackPropertiesArb = fc.record({ reasonString: reasonStringArb, userProperties: userPropertiesArb }, { requiredKeys: [] });

export const unsubscribePropertiesArb = fc.record({ userProperties: userPropertiesArb }, { requiredKeys: [] });

export const disconnectPropertiesArb = fc.record(
  { sessionExpiryInterval: u32Arb, reasonString: reasonStringArb, userProperties: userPropertiesArb, serverReference: utf8StringArb(8) },
  { requiredKeys: [] },
);

export const authPropertiesArb = fc.record(
  { authenticationMethod: utf8StringArb(8), authenticationData: bytesArb(), reasonString: reasonStringArb, userProperties: userPropertiesArb },
  { requiredKeys: [] },
);

export { ReasonCodes };

export function reasonCodeArb(table: keyof typeof ReasonCodes): fc.Arbitrary<number> {
  return fc.constantFrom(...ReasonCodes[table]);
}
