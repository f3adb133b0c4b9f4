/**
 * Source-side socket errors (runners/common/source-address.ts) read as the local problems they
 * are, never as an unreachable target: the errors Node gives for a bind to an address this
 * machine lacks, for no free port on a source address, and for no free port at all. The first
 * is also produced for real; the port-exhaustion ones would need ~28,000 sockets, so they are
 * built as Node builds them (code and syscall).
 */
import net from 'node:net';
import { expect, it } from 'vitest';
import { ExitCode, LocalLimitError } from '../../core/errors.js';
import { sourceAddressError } from '../../runners/common/source-address.js';

const errno = (code: string, syscall: string): NodeJS.ErrnoException => Object.assign(new Error(`${syscall} ${code}`), { code, syscall });

it.each([
  ['bind', 'EADDRNOTAVAIL', '10.9.9.9', /cannot use source address 10\.9\.9\.9 \(EADDRNOTAVAIL\): it is not an address of this machine/],
  ['bind', 'EADDRINUSE', '127.0.0.3', /no free local port left on source address 127\.0\.0\.3 \(EADDRINUSE\).*connect\.sourceAddresses/],
  ['connect', 'EADDRNOTAVAIL', undefined, /no free local port left \(EADDRNOTAVAIL\).*more source addresses \(connect\.sourceAddresses\)/],
])('%s %s from %s: a local error (exit 2) that says what to do', (syscall, code, address, message) => {
  const error = sourceAddressError(errno(code, syscall), address, 'cannot open a connection to mqtt://127.0.0.1:1883');
  expect(error).toBeInstanceOf(LocalLimitError);
  expect(error?.exitCode).toBe(ExitCode.badInput);
  expect(error?.message).toMatch(/^cannot open a connection to mqtt:\/\/127\.0\.0\.1:1883: /);
  expect(error?.message).toMatch(message);
  expect(error?.message).toContain('the target was not at fault');
});

it('other errors are left to the caller (a refused connection is the target\'s)', () => {
  expect(sourceAddressError(errno('ECONNREFUSED', 'connect'), '127.0.0.2', 'x')).toBeUndefined();
  expect(sourceAddressError(errno('EADDRINUSE', 'listen'), '127.0.0.2', 'x')).toBeUndefined();
});

it('the bind error Node really gives for an address this machine lacks is the one recognised', async () => {
  const error = await new Promise<Error>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: 9, localAddress: '192.0.2.1' });
    socket.once('error', (err) => { socket.destroy(); resolve(err); });
  });
  expect(sourceAddressError(error, '192.0.2.1', 'x')).toBeInstanceOf(LocalLimitError);
});
