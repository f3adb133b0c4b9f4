/**
 * CONNECT and CONNACK (3.1.1 and 5.0 section 3.1, 3.2): the first packet, the second one,
 * protocol name and level, flags, client identifiers, the CONNACK a server must send.
 */
import type { ConformCase } from '../../../core/conform/case.js';
import type { MqttCaseContext } from '../context.js';
import { expectRefused } from '../steps.js';

export const cases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'connect.second-connect',
    title: 'A second CONNECT on one connection is a protocol violation: the server closes the connection',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.0-2'], '5': ['MQTT-3.1.0-2'] },
    async run(ctx) {
      const { client, clientId } = await ctx.connect('client');
      client.send(ctx.connectPacket(clientId));
      await expectRefused(ctx, client, 'MQTT-3.1.0-2', 'a second CONNECT');
    },
  },
];
