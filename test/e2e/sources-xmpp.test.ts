/**
 * The XMPP stream binds its socket to the user's source address (connect.sourceAddresses) the
 * same way the MQTT transport does: a listener records where each connection came from (and
 * closes it: the stream then fails, which is beside the point here); an address this machine
 * does not have is a local error naming it, not an unreachable server.
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalLimitError, TargetUnreachableError } from '../../core/errors.js';
import { WireCounter } from '../../runners/common/wire.js';
import { XmppStream, type StreamSettings } from '../../runners/xmpp/stream.js';

let server: net.Server;
let port = 0;
const seen: string[] = [];

beforeAll(async () => {
  server = net.createServer((socket) => {
    seen.push(socket.remoteAddress ?? '?');
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const settings = (localAddress?: string): StreamSettings => ({
  host: '127.0.0.1', port, directTls: false, starttls: 'never', tlsOptions: {}, domain: 'localhost', display: `xmpp://127.0.0.1:${port}`,
  ...(localAddress === undefined ? {} : { localAddress }),
});

const open = (s: StreamSettings) => new XmppStream(s, new WireCounter()).open({ username: 'u', password: 'p' }, { resource: 'r', timeoutMs: 5_000 });

it('each stream comes from its source address', async () => {
  seen.length = 0;
  for (const address of ['127.0.0.7', '127.0.0.8']) {
    await expect(open(settings(address))).rejects.toBeInstanceOf(TargetUnreachableError);
  }
  await expect(open(settings())).rejects.toBeInstanceOf(TargetUnreachableError);
  expect(seen).toEqual(['127.0.0.7', '127.0.0.8', '127.0.0.1']);
});

it('an address this machine does not have: a local error naming it', async () => {
  const attempt = open(settings('192.0.2.1'));
  await expect(attempt).rejects.toBeInstanceOf(LocalLimitError);
  await expect(attempt).rejects.toThrow(/source address 192\.0\.2\.1 \(EADDRNOTAVAIL\)/);
});
