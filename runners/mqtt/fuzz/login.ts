/**
 * Credentials for servers that refuse anonymous clients (ejabberd's MQTT, a broker with a
 * password file). They come from the target URL or its environment variables and are laid
 * onto every well-formed CONNECT at the moment it is sent — the canary's, the cleanup's and
 * each generated case's — and never stored: a replay file keeps the CONNECT as generated,
 * and replaying it against a server that needs a login adds the login given to `replay`.
 */
import mqttPacket, { type IConnectPacket, type Packet } from 'mqtt-packet';
import type { Credentials } from '../../common/credentials.js';
import type { ProtocolLevel } from '../raw/client.js';

/** `packet` with the user name and password, when there are any. */
export function withLogin(packet: IConnectPacket, login: Credentials | undefined): IConnectPacket {
  if (login?.username === undefined && login?.password === undefined) return packet;
  const out: IConnectPacket = { ...packet };
  if (login.username !== undefined) out.username = login.username;
  if (login.password !== undefined) out.password = Buffer.from(login.password);
  return out;
}

/**
 * The bytes to send for a generated step: a step that is exactly one well-formed CONNECT is
 * re-encoded with the login; anything else (a malformed CONNECT included) goes as generated.
 */
export function loginBytes(bytes: Uint8Array, level: ProtocolLevel, login: Credentials | undefined): Uint8Array {
  if (login?.username === undefined && login?.password === undefined) return bytes;
  if (bytes.length === 0 || bytes[0] !== 0x10) return bytes;
  const packets: Packet[] = [];
  let failed = false;
  const parser = mqttPacket.parser({ protocolVersion: level });
  parser.on('packet', (p: Packet) => packets.push(p));
  parser.on('error', () => {
    failed = true;
  });
  parser.parse(Buffer.from(bytes));
  const only = packets[0];
  if (failed || packets.length !== 1 || only?.cmd !== 'connect') return bytes;
  try {
    return mqttPacket.generate(withLogin(only, login), { protocolVersion: level });
  } catch {
    return bytes;
  }
}
