/**
 * fast-check arbitraries for every MQTT control packet of 3.1.1 (level 4) and 5.0 (level 5), as
 * mqtt-packet `Packet` objects that mqtt-packet encodes and that are valid by construction.
 *
 * Two families, because "valid" means two things:
 * - `packetArb(version, cmd?)`: anything the spec allows on the wire in either direction, every
 *   5.0 property included (Topic Alias, Subscription Identifiers, authentication): for codec
 *   properties, where the packet never meets a server.
 * - `clientPacketArb(version, cmd)`: what a conformant client may send any server without
 *   negotiating first, for sequences sent to a live broker. It leaves out what a server may
 *   refuse for its own configuration (Topic Alias above its maximum, authentication methods,
 *   credentials, retained wills, Subscription Identifiers it may not support) and what is only
 *   valid in a flow (acknowledgements, AUTH), so a refusal of one of these is a real finding.
 */
import fc from 'fast-check';
import type {
  IAuthPacket,
  IConnackPacket,
  IConnectPacket,
  IDisconnectPacket,
  IPingreqPacket,
  IPingrespPacket,
  IPubackPacket,
  IPubcompPacket,
  IPublishPacket,
  IPubrecPacket,
  IPubrelPacket,
  ISubackPacket,
  ISubscribePacket,
  ISubscription,
  IUnsubackPacket,
  IUnsubscribePacket,
  Packet,
  PacketCmd,
  QoS,
} from 'mqtt-packet';
import type { ProtocolLevel } from '../raw/client.js';
import {
  ackPropertiesArb,
  authPropertiesArb,
  connackPropertiesArb,
  connectPropertiesArb,
  disconnectPropertiesArb,
  formattedPayloadArb,
  publishPropertiesArb,
  reasonCodeArb,
  subscribePropertiesArb,
  unsubscribePropertiesArb,
  userPropertiesArb,
  willPropertiesArb,
} from './properties.js';
import { bytesArb, clientIdArb, topicFilterArb, topicNameArb, utf8StringArb } from './strings.js';

export type { ProtocolLevel };

/** Every control packet type of a version (AUTH is 5.0 only). */
export function packetCmds(version: ProtocolLevel): readonly PacketCmd[] {
  const all: PacketCmd[] = ['connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect'];
  return version === 5 ? [...all, 'auth'] : all;
}

/** The packets a client sends on its own once connected, and `clientPacketArb` makes. */
export const CLIENT_CMDS = ['publish', 'subscribe', 'unsubscribe', 'pingreq'] as const;
export type ClientCmd = (typeof CLIENT_CMDS)[number];

const qosArb = fc.constantFrom<QoS>(0, 1, 2);
/** A packet identifier: never 0 [MQTT-2.3.1-1] [MQTT-2.2.1-3]. */
export const packetIdArb: fc.Arbitrary<number> = fc.integer({ min: 1, max: 0xffff });
const option = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** `{ properties }` when there are some, nothing otherwise: 3.1.1 packets have none. */
const props = <T extends object>(p: T | undefined) => (p === undefined ? {} : { properties: p });

interface Family {
  /** Client-safe (see the header) rather than anything the spec allows. */
  client: boolean;
}

export function connectArb(version: ProtocolLevel, family: Family = { client: false }): fc.Arbitrary<IConnectPacket> {
  const will = fc.record({
    topic: topicNameArb,
    qos: qosArb,
    retain: family.client ? fc.constant(false) : fc.boolean(),
    body: formattedPayloadArb,
    properties: version === 5 ? willPropertiesArb : fc.constant(undefined),
  });
  const connectProps = family.client
    ? fc.record(
        {
          sessionExpiryInterval: fc.nat(300),
          receiveMaximum: fc.integer({ min: 1, max: 0xffff }),
          // Small enough to test the limit, big enough for every answer a broker sends to a fuzz step.
          maximumPacketSize: fc.integer({ min: 1024, max: 0x7fff_ffff }),
          topicAliasMaximum: fc.nat(0xffff),
          requestResponseInformation: fc.boolean(),
          requestProblemInformation: fc.boolean(),
          userProperties: userPropertiesArb,
        },
        { requiredKeys: [] },
      )
    : connectPropertiesArb;
  return fc
    .record({
      clientId: family.client ? clientIdArb : utf8StringArb(23),
      clean: fc.boolean(),
      keepalive: family.client ? fc.constantFrom(0, 60, 600) : fc.nat(0xffff),
      will: option(will),
      username: family.client ? fc.constant(undefined) : option(utf8StringArb(12)),
      password: family.client ? fc.constant(undefined) : option(bytesArb()),
      properties: version === 5 ? option(connectProps) : fc.constant(undefined),
    })
    .map((r): IConnectPacket => {
      const packet: IConnectPacket = {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: version,
        clientId: r.clientId,
        // An empty client identifier needs a clean session [MQTT-3.1.3-7] (mqtt-packet insists for 5.0 too).
        clean: r.clean || r.clientId === '',
        keepalive: r.keepalive,
        ...props(r.properties),
      };
      if (r.will !== undefined) {
        const { body, properties, ...rest } = r.will;
        const willProps = version === 5 ? { ...properties, ...(body.payloadFormatIndicator === undefined ? {} : { payloadFormatIndicator: body.payloadFormatIndicator }) } : undefined;
        packet.will = { ...rest, payload: body.payload, ...props(willProps) };
      }
      // A password only with a user name [MQTT-3.1.2-22].
      if (r.username !== undefined) {
        packet.username = r.username;
        if (r.password !== undefined) packet.password = r.password;
      }
      return packet;
    });
}

export function connackArb(version: ProtocolLevel): fc.Arbitrary<IConnackPacket> {
  const code = version === 5 ? reasonCodeArb('connack') : fc.nat(5);
  return fc
    .record({ code, sessionPresent: fc.boolean(), properties: version === 5 ? option(connackPropertiesArb) : fc.constant(undefined) })
    .map(({ code, sessionPresent, properties }) => ({
      cmd: 'connack',
      // Session Present is 0 when the connection is refused [MQTT-3.2.2-4] [MQTT-3.2.2-6].
      sessionPresent: sessionPresent && code === 0,
      ...(version === 5 ? { reasonCode: code } : { returnCode: code }),
      ...props(properties),
    }));
}

export function publishArb(version: ProtocolLevel, family: Family = { client: false }): fc.Arbitrary<IPublishPacket> {
  return fc
    .record({
      topic: topicNameArb,
      qos: qosArb,
      dup: fc.boolean(),
      retain: fc.boolean(),
      messageId: packetIdArb,
      body: formattedPayloadArb,
      properties: version === 5 ? option(publishPropertiesArb({ topicAlias: !family.client, fromServer: !family.client })) : fc.constant(undefined),
    })
    .map((r): IPublishPacket => {
      const properties =
        version === 5 && (r.properties !== undefined || r.body.payloadFormatIndicator !== undefined)
          ? { ...r.properties, ...(r.body.payloadFormatIndicator === undefined ? {} : { payloadFormatIndicator: r.body.payloadFormatIndicator }) }
          : undefined;
      return {
        cmd: 'publish',
        topic: r.topic,
        qos: r.qos,
        // DUP is 0 at QoS 0 [MQTT-3.3.1-2]; a packet identifier only at QoS 1 and 2 [MQTT-2.3.1-5].
        dup: r.qos > 0 && r.dup,
        retain: r.retain,
        ...(r.qos > 0 ? { messageId: r.messageId } : {}),
        payload: r.body.payload,
        ...props(properties),
      };
    });
}

type AckCmd = 'puback' | 'pubrec' | 'pubrel' | 'pubcomp';
type AckPacket = IPubackPacket | IPubrecPacket | IPubrelPacket | IPubcompPacket;

export function ackArb(version: ProtocolLevel, cmd: AckCmd): fc.Arbitrary<AckPacket> {
  const table = cmd === 'puback' || cmd === 'pubrec' ? 'pubackPubrec' : 'pubrelPubcomp';
  return fc
    .record({ messageId: packetIdArb, reasonCode: reasonCodeArb(table), properties: option(ackPropertiesArb) })
    .map((r) => (version === 5 ? { cmd, messageId: r.messageId, reasonCode: r.reasonCode, ...props(r.properties) } : { cmd, messageId: r.messageId }) as AckPacket);
}

export function subscribeArb(version: ProtocolLevel, family: Family = { client: false }): fc.Arbitrary<ISubscribePacket> {
  const subscription = fc.record({ topic: topicFilterArb, qos: qosArb, nl: fc.boolean(), rap: fc.boolean(), rh: fc.nat(2) });
  const properties = family.client ? fc.record({ userProperties: userPropertiesArb }, { requiredKeys: [] }) : subscribePropertiesArb;
  return fc
    .record({
      messageId: packetIdArb,
      subscriptions: fc.array(subscription, { minLength: 1, maxLength: 3 }),
      properties: version === 5 ? option(properties) : fc.constant(undefined),
    })
    .map((r): ISubscribePacket => ({
      cmd: 'subscribe',
      messageId: r.messageId,
      // No Local, Retain As Published and Retain Handling are 5.0 subscription options (§3.8.3.1).
      subscriptions: r.subscriptions.map((s): ISubscription => (version === 5 ? s : { topic: s.topic, qos: s.qos })),
      ...props(r.properties),
    }));
}

export function subackArb(version: ProtocolLevel): fc.Arbitrary<ISubackPacket> {
  const code = version === 5 ? reasonCodeArb('suback') : fc.constantFrom(0, 1, 2, 0x80);
  return fc
    .record({ messageId: packetIdArb, granted: fc.array(code, { minLength: 1, maxLength: 3 }), properties: version === 5 ? option(ackPropertiesArb) : fc.constant(undefined) })
    .map((r) => ({ cmd: 'suback', messageId: r.messageId, granted: r.granted, ...props(r.properties) }));
}

export function unsubscribeArb(version: ProtocolLevel): fc.Arbitrary<IUnsubscribePacket> {
  return fc
    .record({
      messageId: packetIdArb,
      unsubscriptions: fc.array(topicFilterArb, { minLength: 1, maxLength: 3 }),
      properties: version === 5 ? option(unsubscribePropertiesArb) : fc.constant(undefined),
    })
    .map((r) => ({ cmd: 'unsubscribe', messageId: r.messageId, unsubscriptions: r.unsubscriptions, ...props(r.properties) }));
}

export function unsubackArb(version: ProtocolLevel): fc.Arbitrary<IUnsubackPacket> {
  return fc
    .record({ messageId: packetIdArb, granted: fc.array(reasonCodeArb('unsuback'), { minLength: 1, maxLength: 3 }), properties: option(ackPropertiesArb) })
    .map((r): IUnsubackPacket =>
      // A 3.1.1 UNSUBACK is only its packet identifier (§3.11).
      version === 5 ? { cmd: 'unsuback', messageId: r.messageId, granted: r.granted, ...props(r.properties) } : { cmd: 'unsuback', messageId: r.messageId, granted: [] },
    );
}

export function disconnectArb(version: ProtocolLevel): fc.Arbitrary<IDisconnectPacket> {
  if (version === 4) return fc.constant({ cmd: 'disconnect' });
  return fc
    .record({ reasonCode: reasonCodeArb('disconnect'), properties: option(disconnectPropertiesArb) })
    .map((r) => ({ cmd: 'disconnect', reasonCode: r.reasonCode, ...props(r.properties) }));
}

export function authArb(): fc.Arbitrary<IAuthPacket> {
  return fc.record({ reasonCode: reasonCodeArb('auth'), properties: option(authPropertiesArb) }).map((r) => ({ cmd: 'auth', reasonCode: r.reasonCode, ...props(r.properties) }));
}

const pingreq: IPingreqPacket = { cmd: 'pingreq' };
const pingresp: IPingrespPacket = { cmd: 'pingresp' };

/** Packets of one type (`cmd`), or of every type of the version, valid by construction, both directions. */
export function packetArb(version: ProtocolLevel, cmd?: PacketCmd): fc.Arbitrary<Packet> {
  if (cmd === undefined) return fc.oneof(...packetCmds(version).map((c) => packetArb(version, c)));
  switch (cmd) {
    case 'connect':
      return connectArb(version);
    case 'connack':
      return connackArb(version);
    case 'publish':
      return publishArb(version);
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return ackArb(version, cmd);
    case 'subscribe':
      return subscribeArb(version);
    case 'suback':
      return subackArb(version);
    case 'unsubscribe':
      return unsubscribeArb(version);
    case 'unsuback':
      return unsubackArb(version);
    case 'pingreq':
      return fc.constant(pingreq);
    case 'pingresp':
      return fc.constant(pingresp);
    case 'disconnect':
      return disconnectArb(version);
    case 'auth':
      if (version !== 5) throw new RangeError('AUTH exists only in MQTT 5.0');
      return authArb();
  }
}

/** What a conformant client may send any server once connected (see the header); `cmd` narrows it. */
export function clientPacketArb(version: ProtocolLevel, cmd?: ClientCmd): fc.Arbitrary<Packet> {
  switch (cmd) {
    case undefined:
      return fc.oneof(...CLIENT_CMDS.map((c) => clientPacketArb(version, c)));
    case 'publish':
      return publishArb(version, { client: true });
    case 'subscribe':
      return subscribeArb(version, { client: true });
    case 'unsubscribe':
      return unsubscribeArb(version);
    case 'pingreq':
      return fc.constant(pingreq);
  }
}

/** A CONNECT every server accepts (given anonymous access): the opening of each fuzz connection. */
export function clientConnectArb(version: ProtocolLevel): fc.Arbitrary<IConnectPacket> {
  return connectArb(version, { client: true });
}
