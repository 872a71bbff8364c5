/* transcript: a recorded DERP conversation made readable, for the report.
 *
 * A record (derp-client --record, the runner's own peer) is a stream of
 * chunks, each what one side wrote after TLS, in the order they happened:
 *
 *   "DERPREC1\n", then per chunk: kind (1 byte), connection (1 byte),
 *   length (u32 big-endian), payload. kind 'N': connection number c
 *   begins (payload: its name or the address dialled), 'C': one
 *   certificate of the chain the relay served (DER, in order), '>': client
 *   to relay, '<': relay to client. Connections may interleave.
 *
 * The text has one line per HTTP head line and per DERP frame, prefixed by
 * its connection's name (when there is more than one) and direction, with the frame's type name, length and decoded fields
 * (keys shortened to 8 hex digits). Hostile input is safe: lengths are
 * checked, bytes shown are escaped, the text is bounded. Internal to the
 * runner. */
#ifndef DERPCHECK_TRANSCRIPT_H
#define DERPCHECK_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#define TRANSCRIPT_MAGIC "DERPREC1\n"
#define TRANSCRIPT_MAX_TEXT (64u * 1024u)
#define TRANSCRIPT_MAX_RECORD (4u * 1024u * 1024u) /* what the runner reads of one */

/* The text of a record (NUL-terminated, malloc'd; cut with a note past
 * TRANSCRIPT_MAX_TEXT), or NULL when it is not a record or memory ran out. */
char *transcript_decode(const uint8_t *rec, size_t len);

#endif
