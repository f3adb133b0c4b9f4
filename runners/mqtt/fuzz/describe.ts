/**
 * One line per packet for people reading a replay: `PUBLISH qos=1 id=7 topic="a/b" 12 B`.
 * Text fields are quoted with JSON escaping so control characters and odd code points show.
 */
import type { Packet } from 'mqtt-packet';

const MAX_TEXT = 24;

export function quote(text: string): string {
  const chars = [...text];
  return JSON.stringify(chars.length > MAX_TEXT ? `${chars.slice(0, MAX_TEXT).join('')}…` : text);
}

export function describePacket(p: Packet): string {
  const name = p.cmd.toUpperCase();
  switch (p.cmd) {
    case 'connect':
      return `${name} v${p.protocolVersion ?? 4} clientId=${quote(p.clientId)}${p.clean ? ' clean' : ''} keepalive=${p.keepalive ?? 0}${p.will ? ` will=${quote(p.will.topic)}` : ''}`;
    case 'publish':
      return `${name} qos=${p.qos}${p.qos > 0 ? ` id=${p.messageId}` : ''}${p.retain ? ' retain' : ''} topic=${quote(p.topic)} ${Buffer.byteLength(p.payload)} B`;
    case 'subscribe':
      return `${name} id=${p.messageId} ${p.subscriptions.map((s) => `${quote(s.topic)} qos=${s.qos}`).join(', ')}`;
    case 'unsubscribe':
      return `${name} id=${p.messageId} ${p.unsubscriptions.map(quote).join(', ')}`;
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return `${name} id=${p.messageId}`;
    default:
      return name;
  }
}
