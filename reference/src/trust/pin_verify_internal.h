/* Private to the pin_verify_* sources: the cryptobyte rules both the
 * certificate walk (pin_verify_x509.c) and the key parse (pin_verify_key.c)
 * apply. */
#ifndef DERP_PIN_VERIFY_INTERNAL_H
#define DERP_PIN_VERIFY_INTERNAL_H

#include <stdbool.h>

#include "derp/cert_fields.h"

/* cryptobyte's OBJECT IDENTIFIER: every arc below 2^31 on top of DER. */
bool go_oid_valid(struct der_slice oid);

#endif
