/* floor: what a scenario cannot be faster than, on this machine.
 *
 * The matrix prints beside each scenario's wall time its floor: its own
 * process starts and TLS handshakes at the cost this machine pays for them,
 * so a slow scenario can be told apart from a slow implementation. Both
 * costs are measured once per run (median of a few trials): spawning and
 * reaping /bin/true, and one full TLS 1.3 handshake (P-256 leaf, X25519)
 * between two in-memory OpenSSL endpoints. */
#ifndef DERPCHECK_FLOOR_H
#define DERPCHECK_FLOOR_H

#include <stdint.h>

double floor_process_ms(void);
double floor_tls_ms(uint64_t seed);

#endif
