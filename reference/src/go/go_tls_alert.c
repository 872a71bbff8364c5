/* crypto/tls's alertText (alert.go): the words Go prints after "tls: " for
 * an alert, in both directions ("remote error: tls: ..." when received). */
#include "derp/go.h"

const char *go_tls_alert_text(int alert) {
  switch (alert) {
    case 0: return "close notify";
    case 10: return "unexpected message";
    case 20: return "bad record MAC";
    case 21: return "decryption failed";
    case 22: return "record overflow";
    case 30: return "decompression failure";
    case 40: return "handshake failure";
    case 42: return "bad certificate";
    case 43: return "unsupported certificate";
    case 44: return "revoked certificate";
    case 45: return "expired certificate";
    case 46: return "unknown certificate";
    case 47: return "illegal parameter";
    case 48: return "unknown certificate authority";
    case 49: return "access denied";
    case 50: return "error decoding message";
    case 51: return "error decrypting message";
    case 60: return "export restriction";
    case 70: return "protocol version not supported";
    case 71: return "insufficient security level";
    case 80: return "internal error";
    case 86: return "inappropriate fallback";
    case 90: return "user canceled";
    case 100: return "no renegotiation";
    case 109: return "missing extension";
    case 110: return "unsupported extension";
    case 111: return "certificate unobtainable";
    case 112: return "unrecognized name";
    case 113: return "bad certificate status response";
    case 114: return "bad certificate hash value";
    case 115: return "unknown PSK identity";
    case 116: return "certificate required";
    case 120: return "no application protocol";
    case 121: return "encrypted client hello required";
    default: return NULL;
  }
}
