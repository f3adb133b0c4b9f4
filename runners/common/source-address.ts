/**
 * Socket errors that come from the source side of a connection, not from the target: a source
 * address (connect.sourceAddresses) this machine does not have (bind EADDRNOTAVAIL), or no free
 * local port left on it (bind EADDRINUSE; without a source address, connect EADDRNOTAVAIL: the
 * ~28,000 ports of ip_local_port_range are all used towards that server port). Reported as
 * LocalLimitError (exit 2): the target was not at fault.
 */
import { LocalLimitError } from '../../core/errors.js';

/** The `localAddress` option of net.connect for a connection's source address (none: the system's choice). */
export function bindTo(localAddress: string | undefined): { localAddress?: string } {
  return localAddress === undefined ? {} : { localAddress };
}

/** A LocalLimitError for a source-side socket error of a connection from `localAddress`; undefined for any other error. */
export function sourceAddressError(error: Error, localAddress: string | undefined, what: string): LocalLimitError | undefined {
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (syscall === 'bind' && code === 'EADDRNOTAVAIL') {
    return new LocalLimitError(
      `${what}: cannot use source address ${localAddress ?? '?'} (EADDRNOTAVAIL): it is not an address of this machine; `
        + 'the target was not at fault. Use loopback addresses (127.x.y.z) or an address a local interface has.',
      { cause: error },
    );
  }
  if (syscall === 'bind' && code === 'EADDRINUSE') {
    return new LocalLimitError(
      `${what}: no free local port left on source address ${localAddress ?? '?'} (EADDRINUSE); the target was not at fault. `
        + 'Spread the connections over more addresses (connect.sourceAddresses).',
      { cause: error },
    );
  }
  if (syscall === 'connect' && code === 'EADDRNOTAVAIL') {
    return new LocalLimitError(
      `${what}: no free local port left${localAddress === undefined ? '' : ` on source address ${localAddress}`} (EADDRNOTAVAIL); `
        + 'the target was not at fault. Spread the connections over more source addresses (connect.sourceAddresses).',
      { cause: error },
    );
  }
  return undefined;
}
