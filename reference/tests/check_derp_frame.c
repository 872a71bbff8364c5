#include "derp/derp_frame.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

static void fill_key(uint8_t k[DERP_KEY_LEN], uint8_t base) {
  for (int i = 0; i < DERP_KEY_LEN; i++) k[i] = (uint8_t)(base + i);
}

/* Decodes the header of an encoded frame and returns its payload. */
static const uint8_t *split_frame(const uint8_t *buf, size_t len, uint8_t want_type,
                                  uint32_t *payload_len) {
  struct byte_reader r = byte_reader_init(buf, len);
  struct derp_frame_header h;
  ck_assert(derp_frame_header_decode(&r, &h));
  ck_assert_uint_eq(h.type, want_type);
  ck_assert_uint_eq(h.len, len - DERP_FRAME_HEADER_LEN);
  *payload_len = h.len;
  return buf + DERP_FRAME_HEADER_LEN;
}

/* ---- constants and header vectors (TestReadFrameHeader) -------------- */

START_TEST(constants_match_spec) {
  const uint8_t magic[] = {0x44, 0x45, 0x52, 0x50, 0xF0, 0x9F, 0x94, 0x91};
  ck_assert_mem_eq(derp_magic, magic, sizeof magic);
  ck_assert_mem_eq(derp_magic, "DERP\xf0\x9f\x94\x91", 8);
  const uint8_t disco[] = {0x54, 0x53, 0xF0, 0x9F, 0x92, 0xAC};
  ck_assert_mem_eq(derp_disco_magic, disco, sizeof disco);
  ck_assert_uint_eq(DERP_MAX_PACKET_SIZE, 65536);
  ck_assert_uint_eq(DERP_MAX_INFO_LEN, 1048576);
  ck_assert_uint_eq(DERP_PEER_PRESENT_LEN, 51);
  ck_assert_uint_eq(DERP_DISCO_MIN_LEN, 62);
  ck_assert_int_eq(DERP_PROTOCOL_VERSION, 2);
  ck_assert_uint_eq(DERP_FRAME_RESTARTING, 0x15);
  ck_assert_uint_eq(DERP_FRAME_WATCH_CONNS, 0x10);
}
END_TEST

START_TEST(frame_type_names_follow_spec) {
  ck_assert_str_eq(derp_frame_type_name(0x01), "ServerKey");
  ck_assert_str_eq(derp_frame_type_name(0x0a), "ForwardPacket");
  ck_assert_str_eq(derp_frame_type_name(0x15), "Restarting");
  ck_assert_ptr_null(derp_frame_type_name(0x0b));
  ck_assert_ptr_null(derp_frame_type_name(0x00));
  ck_assert_ptr_null(derp_frame_type_name(0xff));
}
END_TEST

START_TEST(header_decode_vectors) {
  const uint8_t v1[] = {0x04, 0x00, 0x00, 0x04, 0x00};
  const uint8_t v2[] = {0x06, 0x00, 0x00, 0x00, 0x00};
  const uint8_t v3[] = {0x05, 0xff, 0xff, 0xff, 0xff};
  struct derp_frame_header h;
  struct byte_reader r = byte_reader_init(v1, sizeof v1);
  ck_assert(derp_frame_header_decode(&r, &h));
  ck_assert_uint_eq(h.type, DERP_FRAME_SEND_PACKET);
  ck_assert_uint_eq(h.len, 1024);
  r = byte_reader_init(v2, sizeof v2);
  ck_assert(derp_frame_header_decode(&r, &h));
  ck_assert_uint_eq(h.type, DERP_FRAME_KEEP_ALIVE);
  ck_assert_uint_eq(h.len, 0);
  r = byte_reader_init(v3, sizeof v3);
  ck_assert(derp_frame_header_decode(&r, &h));
  ck_assert_uint_eq(h.type, DERP_FRAME_RECV_PACKET);
  ck_assert_uint_eq(h.len, 0xffffffffu);
}
END_TEST

START_TEST(header_encode_vectors) {
  uint8_t buf[16];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_frame_header_encode(&w, DERP_FRAME_SEND_PACKET, 1024));
  ck_assert(derp_frame_header_encode(&w, DERP_FRAME_KEEP_ALIVE, 0));
  ck_assert(derp_frame_header_encode(&w, DERP_FRAME_RECV_PACKET, 0xffffffffu));
  const uint8_t want[] = {0x04, 0x00, 0x00, 0x04, 0x00, 0x06, 0x00, 0x00,
                          0x00, 0x00, 0x05, 0xff, 0xff, 0xff, 0xff};
  ck_assert_uint_eq(w.len, sizeof want);
  ck_assert_mem_eq(buf, want, sizeof want);
}
END_TEST

START_TEST(header_decode_needs_five_bytes) {
  const uint8_t v[] = {0x04, 0x00, 0x00, 0x04};
  struct byte_reader r = byte_reader_init(v, sizeof v);
  struct derp_frame_header h;
  ck_assert(!derp_frame_header_decode(&r, &h));
  ck_assert_uint_eq(r.pos, 0);
}
END_TEST

START_TEST(disco_detection) {
  uint8_t pkt[80] = {0};
  memcpy(pkt, derp_disco_magic, DERP_DISCO_MAGIC_LEN);
  ck_assert(derp_looks_like_disco(pkt, 62));
  ck_assert(derp_looks_like_disco(pkt, 80));
  ck_assert(!derp_looks_like_disco(pkt, 61));
  pkt[5] ^= 1;
  ck_assert(!derp_looks_like_disco(pkt, 80));
  ck_assert(!derp_looks_like_disco(NULL, 0));
}
END_TEST

/* ---- encoders and decoders, one frame type per test ------------------ */

START_TEST(server_key_round_trip) {
  uint8_t key[DERP_KEY_LEN], got[DERP_KEY_LEN], buf[64];
  fill_key(key, 0x10);
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_server_key(&w, key));
  ck_assert_uint_eq(w.len, 45);
  ck_assert_uint_eq(buf[0], 0x01);
  ck_assert_mem_eq(buf + 5, derp_magic, 8);
  uint32_t n;
  const uint8_t *p = split_frame(buf, w.len, DERP_FRAME_SERVER_KEY, &n);
  ck_assert_int_eq(derp_decode_server_key(p, n, got), DERP_DECODE_OK);
  ck_assert_mem_eq(got, key, DERP_KEY_LEN);
}
END_TEST

START_TEST(server_key_length_and_magic_rules) {
  uint8_t p[1100] = {0}, got[DERP_KEY_LEN];
  memcpy(p, derp_magic, 8);
  ck_assert_int_eq(derp_decode_server_key(p, 39, got), DERP_DECODE_SHORT);
  ck_assert_int_eq(derp_decode_server_key(p, 40, got), DERP_DECODE_OK);
  /* Future bytes after the key are allowed, up to the client's 1024 limit. */
  ck_assert_int_eq(derp_decode_server_key(p, 1024, got), DERP_DECODE_OK);
  ck_assert_int_eq(derp_decode_server_key(p, 1025, got), DERP_DECODE_LONG);
  p[7] = 0x92;
  ck_assert_int_eq(derp_decode_server_key(p, 40, got), DERP_DECODE_BAD_MAGIC);
}
END_TEST

START_TEST(client_info_round_trip) {
  uint8_t key[DERP_KEY_LEN], nonce[DERP_NONCE_LEN], sealed[20], buf[128];
  fill_key(key, 1);
  memset(nonce, 0x77, sizeof nonce);
  memset(sealed, 0xab, sizeof sealed);
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_client_info(&w, key, nonce, sealed, sizeof sealed));
  uint32_t n;
  const uint8_t *p = split_frame(buf, w.len, DERP_FRAME_CLIENT_INFO, &n);
  ck_assert_uint_eq(n, 32 + 24 + 20);
  struct derp_client_info ci;
  ck_assert_int_eq(derp_decode_client_info(p, n, &ci), DERP_DECODE_OK);
  ck_assert_mem_eq(ci.key, key, DERP_KEY_LEN);
  ck_assert_mem_eq(ci.nonce, nonce, DERP_NONCE_LEN);
  ck_assert_uint_eq(ci.sealed_len, 20);
  ck_assert_mem_eq(ci.sealed, sealed, 20);
}
END_TEST

START_TEST(client_info_length_edges) {
  uint8_t *p = calloc(1, 262145);
  struct derp_client_info ci;
  ck_assert_int_eq(derp_decode_client_info(p, 55, &ci), DERP_DECODE_SHORT);
  ck_assert_int_eq(derp_decode_client_info(p, 56, &ci), DERP_DECODE_OK);
  ck_assert_uint_eq(ci.sealed_len, 0);
  ck_assert_int_eq(derp_decode_client_info(p, 262144, &ci), DERP_DECODE_OK);
  ck_assert_uint_eq(ci.sealed_len, 262144 - 56);
  ck_assert_int_eq(derp_decode_client_info(p, 262145, &ci), DERP_DECODE_LONG);
  free(p);
}
END_TEST

START_TEST(server_info_round_trip_and_edges) {
  uint8_t nonce[DERP_NONCE_LEN], sealed[30], buf[128];
  memset(nonce, 0x42, sizeof nonce);
  memset(sealed, 0x99, sizeof sealed);
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_server_info(&w, nonce, sealed, sizeof sealed));
  uint32_t n;
  const uint8_t *p = split_frame(buf, w.len, DERP_FRAME_SERVER_INFO, &n);
  struct derp_server_info si;
  ck_assert_int_eq(derp_decode_server_info(p, n, &si), DERP_DECODE_OK);
  ck_assert_mem_eq(si.nonce, nonce, DERP_NONCE_LEN);
  ck_assert_uint_eq(si.sealed_len, 30);
  ck_assert_int_eq(derp_decode_server_info(p, 23, &si), DERP_DECODE_SHORT);
  ck_assert_int_eq(derp_decode_server_info(p, 24, &si), DERP_DECODE_OK);
  /* Only the length is looked at before the bound check fires. */
  ck_assert_int_eq(derp_decode_server_info(p, 24 + (1u << 20) + 1, &si), DERP_DECODE_LONG);
}
END_TEST

START_TEST(send_packet_round_trip_and_edges) {
  uint8_t dst[DERP_KEY_LEN], buf[64];
  fill_key(dst, 0x20);
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_send_packet(&w, dst, (const uint8_t *)"hello", 5));
  uint32_t n;
  const uint8_t *p = split_frame(buf, w.len, DERP_FRAME_SEND_PACKET, &n);
  struct derp_packet pk;
  ck_assert_int_eq(derp_decode_send_packet(p, n, &pk), DERP_DECODE_OK);
  ck_assert_mem_eq(pk.dst, dst, DERP_KEY_LEN);
  ck_assert_uint_eq(pk.len, 5);
  ck_assert_mem_eq(pk.data, "hello", 5);
  ck_assert_int_eq(derp_decode_send_packet(p, 31, &pk), DERP_DECODE_SHORT);
  ck_assert_int_eq(derp_decode_send_packet(p, 32, &pk), DERP_DECODE_OK);
  ck_assert_uint_eq(pk.len, 0);
  uint8_t *big = calloc(1, 32 + 65537);
  ck_assert_int_eq(derp_decode_send_packet(big, 32 + 65536, &pk), DERP_DECODE_OK);
  ck_assert_int_eq(derp_decode_send_packet(big, 32 + 65537, &pk), DERP_DECODE_LONG);
  free(big);
}
END_TEST

START_TEST(send_packet_encoder_refuses_oversize) {
  size_t cap = 5 + 32 + 65537;
  uint8_t *buf = malloc(cap), *pkt = calloc(1, 65537), dst[DERP_KEY_LEN] = {0};
  struct byte_writer w = byte_writer_init(buf, cap);
  ck_assert(!derp_encode_send_packet(&w, dst, pkt, 65537));
  ck_assert_uint_eq(w.len, 0);
  ck_assert(derp_encode_send_packet(&w, dst, pkt, 65536));
  ck_assert_uint_eq(w.len, 5 + 32 + 65536);
  free(buf);
  free(pkt);
}
END_TEST

START_TEST(recv_packet_round_trip) {
  uint8_t src[DERP_KEY_LEN], buf[64];
  fill_key(src, 0x30);
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_recv_packet(&w, src, (const uint8_t *)"xyz", 3));
  const uint8_t head[] = {0x05, 0x00, 0x00, 0x00, 35};
  ck_assert_mem_eq(buf, head, 5);
  uint32_t n;
  const uint8_t *p = split_frame(buf, w.len, DERP_FRAME_RECV_PACKET, &n);
  struct derp_packet pk;
  ck_assert_int_eq(derp_decode_recv_packet(p, n, &pk), DERP_DECODE_OK);
  ck_assert_mem_eq(pk.src, src, DERP_KEY_LEN);
  ck_assert_mem_eq(pk.data, "xyz", 3);
  ck_assert_int_eq(derp_decode_recv_packet(p, 31, &pk), DERP_DECODE_SHORT);
}
END_TEST

START_TEST(forward_packet_round_trip_and_edges) {
  uint8_t src[DERP_KEY_LEN], dst[DERP_KEY_LEN], buf[128];
  fill_key(src, 0x40);
  fill_key(dst, 0x60);
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_forward_packet(&w, src, dst, (const uint8_t *)"fw", 2));
  uint32_t n;
  const uint8_t *p = split_frame(buf, w.len, DERP_FRAME_FORWARD_PACKET, &n);
  ck_assert_uint_eq(n, 66);
  struct derp_packet pk;
  ck_assert_int_eq(derp_decode_forward_packet(p, n, &pk), DERP_DECODE_OK);
  ck_assert_mem_eq(pk.src, src, DERP_KEY_LEN);
  ck_assert_mem_eq(pk.dst, dst, DERP_KEY_LEN);
  ck_assert_mem_eq(pk.data, "fw", 2);
  ck_assert_int_eq(derp_decode_forward_packet(p, 63, &pk), DERP_DECODE_SHORT);
  ck_assert_int_eq(derp_decode_forward_packet(p, 64, &pk), DERP_DECODE_OK);
  uint8_t *big = calloc(1, 64 + 65537);
  ck_assert_int_eq(derp_decode_forward_packet(big, 64 + 65537, &pk), DERP_DECODE_LONG);
  free(big);
}
END_TEST

START_TEST(keep_alive_round_trip) {
  uint8_t buf[8];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_keep_alive(&w));
  const uint8_t want[] = {0x06, 0, 0, 0, 0};
  ck_assert_uint_eq(w.len, 5);
  ck_assert_mem_eq(buf, want, 5);
}
END_TEST

START_TEST(note_preferred_round_trip_and_size) {
  uint8_t buf[16];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_note_preferred(&w, true));
  ck_assert(derp_encode_note_preferred(&w, false));
  const uint8_t want[] = {0x07, 0, 0, 0, 1, 0x01, 0x07, 0, 0, 0, 1, 0x00};
  ck_assert_mem_eq(buf, want, sizeof want);
  bool pref = false;
  ck_assert_int_eq(derp_decode_note_preferred(buf + 5, 1, &pref), DERP_DECODE_OK);
  ck_assert(pref);
  ck_assert_int_eq(derp_decode_note_preferred(buf + 11, 1, &pref), DERP_DECODE_OK);
  ck_assert(!pref);
  const uint8_t two = 0x02;
  ck_assert_int_eq(derp_decode_note_preferred(&two, 1, &pref), DERP_DECODE_OK);
  ck_assert(pref);
  ck_assert_int_eq(derp_decode_note_preferred(buf, 0, &pref), DERP_DECODE_WRONG_SIZE);
  ck_assert_int_eq(derp_decode_note_preferred(buf, 2, &pref), DERP_DECODE_WRONG_SIZE);
}
END_TEST

START_TEST(peer_gone_both_forms) {
  uint8_t key[DERP_KEY_LEN], buf[128];
  fill_key(key, 0x50);
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_peer_gone(&w, key, DERP_PEER_GONE_NOT_HERE));
  uint32_t n;
  const uint8_t *p = split_frame(buf, w.len, DERP_FRAME_PEER_GONE, &n);
  ck_assert_uint_eq(n, 33);
  struct derp_peer_gone pg;
  ck_assert_int_eq(derp_decode_peer_gone(p, n, &pg), DERP_DECODE_OK);
  ck_assert_mem_eq(pg.key, key, DERP_KEY_LEN);
  ck_assert_uint_eq(pg.reason, DERP_PEER_GONE_NOT_HERE);

  w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_peer_gone_legacy(&w, key));
  p = split_frame(buf, w.len, DERP_FRAME_PEER_GONE, &n);
  ck_assert_uint_eq(n, 32);
  pg.reason = 0x55;
  ck_assert_int_eq(derp_decode_peer_gone(p, n, &pg), DERP_DECODE_OK);
  ck_assert_uint_eq(pg.reason, DERP_PEER_GONE_DISCONNECTED);
  ck_assert_int_eq(derp_decode_peer_gone(p, 31, &pg), DERP_DECODE_SHORT);
}
END_TEST

START_TEST(peer_present_is_51_bytes_and_partial_decodes) {
  uint8_t key[DERP_KEY_LEN], ip[16] = {0}, buf[128];
  fill_key(key, 0x70);
  ip[10] = 0xff;
  ip[11] = 0xff;
  ip[12] = 127;
  ip[15] = 1;
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_peer_present(&w, key, ip, 443,
                                     DERP_PEER_PRESENT_IS_REGULAR | DERP_PEER_PRESENT_NOT_IDEAL));
  uint32_t n;
  const uint8_t *p = split_frame(buf, w.len, DERP_FRAME_PEER_PRESENT, &n);
  ck_assert_uint_eq(n, 51);
  ck_assert_uint_eq(p[48], 0x01);
  ck_assert_uint_eq(p[49], 0xbb);
  ck_assert_uint_eq(p[50], 0x09);
  struct derp_peer_present pp;
  ck_assert_int_eq(derp_decode_peer_present(p, n, &pp), DERP_DECODE_OK);
  ck_assert(pp.has_addr && pp.has_flags);
  ck_assert_mem_eq(pp.ip16, ip, 16);
  ck_assert_uint_eq(pp.port, 443);
  ck_assert_uint_eq(pp.flags, 0x09);
  ck_assert_int_eq(derp_decode_peer_present(p, 50, &pp), DERP_DECODE_OK);
  ck_assert(pp.has_addr && !pp.has_flags);
  ck_assert_int_eq(derp_decode_peer_present(p, 49, &pp), DERP_DECODE_OK);
  ck_assert(!pp.has_addr && !pp.has_flags);
  ck_assert_mem_eq(pp.key, key, DERP_KEY_LEN);
  ck_assert_int_eq(derp_decode_peer_present(p, 31, &pp), DERP_DECODE_SHORT);
}
END_TEST

START_TEST(watch_conns_and_close_peer) {
  uint8_t key[DERP_KEY_LEN], got[DERP_KEY_LEN], buf[64];
  fill_key(key, 0x80);
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_watch_conns(&w));
  const uint8_t want[] = {0x10, 0, 0, 0, 0};
  ck_assert_mem_eq(buf, want, 5);
  ck_assert_int_eq(derp_decode_watch_conns(buf, 0), DERP_DECODE_OK);
  ck_assert_int_eq(derp_decode_watch_conns(buf, 1), DERP_DECODE_WRONG_SIZE);

  w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_close_peer(&w, key));
  uint32_t n;
  const uint8_t *p = split_frame(buf, w.len, DERP_FRAME_CLOSE_PEER, &n);
  ck_assert_int_eq(derp_decode_close_peer(p, n, got), DERP_DECODE_OK);
  ck_assert_mem_eq(got, key, DERP_KEY_LEN);
  ck_assert_int_eq(derp_decode_close_peer(p, 31, got), DERP_DECODE_WRONG_SIZE);
  ck_assert_int_eq(derp_decode_close_peer(buf, 33, got), DERP_DECODE_WRONG_SIZE);
}
END_TEST

START_TEST(ping_pong_vectors) {
  /* TestClientRecv / TestServerRepliesToPing bytes. */
  const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 0x2a};
  uint8_t buf[32], got[8];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_ping(&w, data));
  ck_assert(derp_encode_pong(&w, data));
  const uint8_t want[] = {0x12, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 0x2a,
                          0x13, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 0x2a};
  ck_assert_uint_eq(w.len, sizeof want);
  ck_assert_mem_eq(buf, want, sizeof want);
  ck_assert_int_eq(derp_decode_ping(buf + 5, 8, got), DERP_DECODE_OK);
  ck_assert_mem_eq(got, data, 8);
  ck_assert_int_eq(derp_decode_pong(buf + 18, 8, got), DERP_DECODE_OK);
  ck_assert_mem_eq(got, data, 8);
  ck_assert_int_eq(derp_decode_ping(buf + 5, 7, got), DERP_DECODE_SHORT);
  ck_assert_int_eq(derp_decode_pong(buf + 18, 7, got), DERP_DECODE_SHORT);
  /* Extra bytes are discarded: the first 8 count. */
  ck_assert_int_eq(derp_decode_ping(buf + 5, 9, got), DERP_DECODE_OK);
  ck_assert_mem_eq(got, data, 8);
}
END_TEST

START_TEST(health_vectors) {
  uint8_t buf[32];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_health(&w, "BAD", 3));
  ck_assert(derp_encode_health(&w, NULL, 0));
  const uint8_t want[] = {0x14, 0, 0, 0, 3, 'B', 'A', 'D', 0x14, 0, 0, 0, 0};
  ck_assert_uint_eq(w.len, sizeof want);
  ck_assert_mem_eq(buf, want, sizeof want);
}
END_TEST

START_TEST(restarting_vectors) {
  uint8_t buf[32];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_restarting(&w, 1, 2));
  const uint8_t want[] = {0x15, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 2};
  ck_assert_mem_eq(buf, want, sizeof want);
  struct derp_restarting rs;
  ck_assert_int_eq(derp_decode_restarting(buf + 5, 8, &rs), DERP_DECODE_OK);
  ck_assert_uint_eq(rs.reconnect_in_ms, 1);
  ck_assert_uint_eq(rs.try_for_ms, 2);
  ck_assert_int_eq(derp_decode_restarting(buf + 5, 7, &rs), DERP_DECODE_SHORT);
}
END_TEST

START_TEST(encoders_are_all_or_nothing) {
  uint8_t key[DERP_KEY_LEN] = {0}, buf[44];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(!derp_encode_server_key(&w, key)); /* needs 45 */
  ck_assert_uint_eq(w.len, 0);
  ck_assert(!derp_encode_peer_present(&w, key, buf, 1, 1));
  ck_assert_uint_eq(w.len, 0);
  ck_assert(!derp_encode_recv_packet(&w, key, buf, 8));
  ck_assert_uint_eq(w.len, 0);
  ck_assert(derp_encode_keep_alive(&w));
  ck_assert_uint_eq(w.len, 5);
}
END_TEST

START_TEST(sealed_client_info_opens_with_server_key) {
  ck_assert_int_ge(sodium_init(), 0);
  uint8_t cpub[32], csec[32], spub[32], ssec[32], nonce[24];
  crypto_box_keypair(cpub, csec);
  crypto_box_keypair(spub, ssec);
  randombytes_buf(nonce, sizeof nonce);
  const char *json = "{\"version\":2,\"CanAckPings\":true}";
  uint8_t buf[256];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_client_info_sealed(&w, cpub, csec, spub, nonce, (const uint8_t *)json,
                                           strlen(json)));
  uint32_t n;
  const uint8_t *p = split_frame(buf, w.len, DERP_FRAME_CLIENT_INFO, &n);
  ck_assert_uint_eq(n, 32 + 24 + 16 + strlen(json));
  struct derp_client_info ci;
  ck_assert_int_eq(derp_decode_client_info(p, n, &ci), DERP_DECODE_OK);
  ck_assert_mem_eq(ci.key, cpub, 32);
  uint8_t plain[128];
  size_t plain_len = 0;
  ck_assert(derp_open_box(plain, sizeof plain, &plain_len, ci.sealed, ci.sealed_len, ci.nonce,
                          ci.key, ssec));
  ck_assert_uint_eq(plain_len, strlen(json));
  ck_assert_mem_eq(plain, json, plain_len);
  /* Tampering or the wrong key fails, as does a box shorter than its tag. */
  buf[w.len - 1] ^= 1;
  ck_assert(!derp_open_box(plain, sizeof plain, &plain_len, ci.sealed, ci.sealed_len, ci.nonce,
                           ci.key, ssec));
  buf[w.len - 1] ^= 1;
  ck_assert(!derp_open_box(plain, sizeof plain, &plain_len, ci.sealed, ci.sealed_len, ci.nonce,
                           ci.key, csec));
  ck_assert(!derp_open_box(plain, sizeof plain, &plain_len, ci.sealed, 15, ci.nonce, ci.key, ssec));
  ck_assert(!derp_open_box(plain, 4, &plain_len, ci.sealed, ci.sealed_len, ci.nonce, ci.key, ssec));
}
END_TEST

START_TEST(sealed_server_info_opens_with_client_key) {
  ck_assert_int_ge(sodium_init(), 0);
  uint8_t cpub[32], csec[32], spub[32], ssec[32], nonce[24];
  crypto_box_keypair(cpub, csec);
  crypto_box_keypair(spub, ssec);
  memset(nonce, 3, sizeof nonce);
  const char *json = "{\"version\":2}";
  uint8_t buf[128];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(
      derp_encode_server_info_sealed(&w, ssec, cpub, nonce, (const uint8_t *)json, strlen(json)));
  uint32_t n;
  const uint8_t *p = split_frame(buf, w.len, DERP_FRAME_SERVER_INFO, &n);
  struct derp_server_info si;
  ck_assert_int_eq(derp_decode_server_info(p, n, &si), DERP_DECODE_OK);
  uint8_t plain[64];
  size_t plain_len;
  ck_assert(derp_open_box(plain, sizeof plain, &plain_len, si.sealed, si.sealed_len, si.nonce, spub,
                          csec));
  ck_assert_uint_eq(plain_len, strlen(json));
  ck_assert_mem_eq(plain, json, plain_len);
  /* Not enough room for the sealed frame: nothing written. */
  struct byte_writer small = byte_writer_init(buf, 5 + 24 + 16);
  ck_assert(!derp_encode_server_info_sealed(&small, ssec, cpub, nonce, (const uint8_t *)json,
                                            strlen(json)));
  ck_assert_uint_eq(small.len, 0);
}
END_TEST

/* ---- incremental reader ---------------------------------------------- */

/* Ping ‖ KeepAlive ‖ Health("BAD") as one stream. */
static size_t sample_stream(uint8_t *buf, size_t cap) {
  const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  struct byte_writer w = byte_writer_init(buf, cap);
  ck_assert(derp_encode_ping(&w, data));
  ck_assert(derp_encode_keep_alive(&w));
  ck_assert(derp_encode_health(&w, "BAD", 3));
  return w.len;
}

struct collected {
  int count;
  uint8_t types[8];
  uint32_t lens[8];
  uint8_t first[8][8];
};

static void collect(struct collected *c, const struct derp_frame *f) {
  ck_assert_int_lt(c->count, 8);
  c->types[c->count] = f->type;
  c->lens[c->count] = f->len;
  memset(c->first[c->count], 0, 8);
  if (f->len) memcpy(c->first[c->count], f->payload, f->len < 8 ? f->len : 8);
  c->count++;
}

static void feed_all(struct derp_frame_reader *r, const uint8_t *in, size_t n, size_t chunk,
                     struct collected *c) {
  size_t off = 0;
  while (off < n) {
    size_t len = n - off < chunk ? n - off : chunk;
    size_t used = 0;
    do {
      enum derp_frame_event ev;
      struct derp_frame f;
      used += derp_frame_reader_feed(r, in + off + used, len - used, &ev, &f);
      ck_assert(ev == DERP_FRAME_NEED_MORE || ev == DERP_FRAME_READY);
      if (ev == DERP_FRAME_READY) collect(c, &f);
    } while (used < len);
    off += len;
  }
}

START_TEST(reader_whole_stream) {
  uint8_t stream[64], buf[16];
  size_t n = sample_stream(stream, sizeof stream);
  struct derp_frame_reader r;
  ck_assert(derp_frame_reader_init(&r, buf, sizeof buf, sizeof buf));
  struct collected c = {0};
  feed_all(&r, stream, n, n, &c);
  ck_assert_int_eq(c.count, 3);
  ck_assert_uint_eq(c.types[0], DERP_FRAME_PING);
  ck_assert_uint_eq(c.lens[0], 8);
  ck_assert_uint_eq(c.first[0][7], 8);
  ck_assert_uint_eq(c.types[1], DERP_FRAME_KEEP_ALIVE);
  ck_assert_uint_eq(c.lens[1], 0);
  ck_assert_uint_eq(c.types[2], DERP_FRAME_HEALTH);
  ck_assert_mem_eq(c.first[2], "BAD", 3);
  ck_assert(derp_frame_reader_at_boundary(&r));
}
END_TEST

START_TEST(reader_one_byte_chunks) {
  uint8_t stream[64], buf[16];
  size_t n = sample_stream(stream, sizeof stream);
  struct derp_frame_reader r;
  ck_assert(derp_frame_reader_init(&r, buf, sizeof buf, sizeof buf));
  struct collected c = {0};
  feed_all(&r, stream, n, 1, &c);
  ck_assert_int_eq(c.count, 3);
  ck_assert_uint_eq(c.types[0], DERP_FRAME_PING);
  ck_assert_uint_eq(c.first[0][0], 1);
  ck_assert_uint_eq(c.types[1], DERP_FRAME_KEEP_ALIVE);
  ck_assert_uint_eq(c.types[2], DERP_FRAME_HEALTH);
  ck_assert_uint_eq(c.lens[2], 3);
}
END_TEST

START_TEST(reader_partial_header_is_not_a_boundary) {
  uint8_t buf[16];
  struct derp_frame_reader r;
  ck_assert(derp_frame_reader_init(&r, buf, sizeof buf, sizeof buf));
  const uint8_t head[] = {0x12, 0x00};
  enum derp_frame_event ev;
  struct derp_frame f;
  ck_assert_uint_eq(derp_frame_reader_feed(&r, head, 2, &ev, &f), 2);
  ck_assert_int_eq(ev, DERP_FRAME_NEED_MORE);
  ck_assert(!derp_frame_reader_at_boundary(&r));
  ck_assert(!derp_frame_reader_set_buffer(&r, buf, sizeof buf, 8));
}
END_TEST

START_TEST(reader_oversize_reports_length_then_skips) {
  uint8_t buf[16];
  struct derp_frame_reader r;
  ck_assert(derp_frame_reader_init(&r, buf, sizeof buf, 8));
  uint8_t stream[64];
  struct byte_writer w = byte_writer_init(stream, sizeof stream);
  ck_assert(derp_encode_health(&w, "too long!", 9));
  ck_assert(derp_encode_keep_alive(&w));
  enum derp_frame_event ev;
  struct derp_frame f;
  size_t used = derp_frame_reader_feed(&r, stream, w.len, &ev, &f);
  ck_assert_uint_eq(used, 5);
  ck_assert_int_eq(ev, DERP_FRAME_TOO_LARGE);
  ck_assert_uint_eq(f.type, DERP_FRAME_HEALTH);
  ck_assert_uint_eq(f.len, 9);
  /* Sticky until the caller decides. */
  ck_assert_uint_eq(derp_frame_reader_feed(&r, stream + used, w.len - used, &ev, &f), 0);
  ck_assert_int_eq(ev, DERP_FRAME_TOO_LARGE);
  derp_frame_reader_skip(&r);
  struct collected c = {0};
  feed_all(&r, stream + used, w.len - used, 2, &c);
  ck_assert_int_eq(c.count, 1);
  ck_assert_uint_eq(c.types[0], DERP_FRAME_KEEP_ALIVE);
}
END_TEST

START_TEST(reader_huge_length_does_not_buffer) {
  uint8_t buf[8];
  struct derp_frame_reader r;
  ck_assert(derp_frame_reader_init(&r, buf, sizeof buf, sizeof buf));
  const uint8_t v[] = {0x05, 0xff, 0xff, 0xff, 0xff};
  enum derp_frame_event ev;
  struct derp_frame f;
  ck_assert_uint_eq(derp_frame_reader_feed(&r, v, sizeof v, &ev, &f), 5);
  ck_assert_int_eq(ev, DERP_FRAME_TOO_LARGE);
  ck_assert_uint_eq(f.len, 0xffffffffu);
  ck_assert_uint_eq(f.type, DERP_FRAME_RECV_PACKET);
}
END_TEST

START_TEST(reader_announce_mode_take_and_skip) {
  uint8_t stream[64], small[4], big[16];
  size_t n = sample_stream(stream, sizeof stream);
  struct derp_frame_reader r;
  ck_assert(derp_frame_reader_init(&r, small, sizeof small, sizeof small));
  derp_frame_reader_announce_headers(&r, true);
  enum derp_frame_event ev;
  struct derp_frame f;
  size_t off = derp_frame_reader_feed(&r, stream, n, &ev, &f);
  ck_assert_int_eq(ev, DERP_FRAME_HEADER);
  ck_assert_uint_eq(f.type, DERP_FRAME_PING);
  ck_assert_uint_eq(f.len, 8);
  ck_assert(!derp_frame_reader_take(&r)); /* 8 > 4 */
  ck_assert(derp_frame_reader_set_buffer(&r, big, sizeof big, sizeof big));
  ck_assert(derp_frame_reader_take(&r));
  off += derp_frame_reader_feed(&r, stream + off, n - off, &ev, &f);
  ck_assert_int_eq(ev, DERP_FRAME_READY);
  ck_assert_uint_eq(f.payload[7], 8);
  off += derp_frame_reader_feed(&r, stream + off, n - off, &ev, &f);
  ck_assert_int_eq(ev, DERP_FRAME_HEADER);
  ck_assert_uint_eq(f.type, DERP_FRAME_KEEP_ALIVE);
  ck_assert(derp_frame_reader_take(&r));
  /* An empty payload completes without more input. */
  ck_assert_uint_eq(derp_frame_reader_feed(&r, NULL, 0, &ev, &f), 0);
  ck_assert_int_eq(ev, DERP_FRAME_READY);
  ck_assert_uint_eq(f.len, 0);
  off += derp_frame_reader_feed(&r, stream + off, n - off, &ev, &f);
  ck_assert_int_eq(ev, DERP_FRAME_HEADER);
  ck_assert_uint_eq(f.type, DERP_FRAME_HEALTH);
  derp_frame_reader_skip(&r);
  off += derp_frame_reader_feed(&r, stream + off, n - off, &ev, &f);
  ck_assert_int_eq(ev, DERP_FRAME_NEED_MORE);
  ck_assert_uint_eq(off, n);
  ck_assert(derp_frame_reader_at_boundary(&r));
}
END_TEST

START_TEST(reader_init_rejects_small_buffer) {
  uint8_t buf[4];
  struct derp_frame_reader r;
  ck_assert(!derp_frame_reader_init(&r, buf, sizeof buf, 5));
  ck_assert(derp_frame_reader_init(&r, NULL, 0, 0));
  /* With max 0 only empty frames pass. */
  const uint8_t v[] = {0x06, 0, 0, 0, 0, 0x06, 0, 0, 0, 1};
  enum derp_frame_event ev;
  struct derp_frame f;
  size_t used = derp_frame_reader_feed(&r, v, sizeof v, &ev, &f);
  ck_assert_int_eq(ev, DERP_FRAME_READY);
  used += derp_frame_reader_feed(&r, v + used, sizeof v - used, &ev, &f);
  ck_assert_int_eq(ev, DERP_FRAME_TOO_LARGE);
  ck_assert_uint_eq(f.len, 1);
}
END_TEST

START_TEST(reader_client_recv_vectors) {
  /* TestClientRecv frames, all in one stream. */
  const uint8_t v[] = {0x12, 0, 0, 0,    8, 1, 2, 3, 4,    5, 6, 7, 8, 0x13, 0,   0,   0,    8,
                       1,    2, 3, 4,    5, 6, 7, 8, 0x14, 0, 0, 0, 3, 'B',  'A', 'D', 0x14, 0,
                       0,    0, 0, 0x15, 0, 0, 0, 8, 0,    0, 0, 1, 0, 0,    0,   2};
  uint8_t buf[64];
  struct derp_frame_reader r;
  ck_assert(derp_frame_reader_init(&r, buf, sizeof buf, sizeof buf));
  struct collected c = {0};
  feed_all(&r, v, sizeof v, 3, &c);
  ck_assert_int_eq(c.count, 5);
  ck_assert_uint_eq(c.types[0], DERP_FRAME_PING);
  ck_assert_uint_eq(c.types[1], DERP_FRAME_PONG);
  ck_assert_uint_eq(c.types[2], DERP_FRAME_HEALTH);
  ck_assert_mem_eq(c.first[2], "BAD", 3);
  ck_assert_uint_eq(c.lens[3], 0);
  ck_assert_uint_eq(c.types[4], DERP_FRAME_RESTARTING);
  struct derp_restarting rs;
  ck_assert_int_eq(derp_decode_restarting(c.first[4], c.lens[4], &rs), DERP_DECODE_OK);
  ck_assert_uint_eq(rs.reconnect_in_ms, 1);
  ck_assert_uint_eq(rs.try_for_ms, 2);
}
END_TEST

static Suite *derp_frame_suite(void) {
  Suite *s = suite_create("derp_frame");
  TCase *tc = tcase_create("constants");
  tcase_add_test(tc, constants_match_spec);
  tcase_add_test(tc, frame_type_names_follow_spec);
  tcase_add_test(tc, disco_detection);
  suite_add_tcase(s, tc);

  tc = tcase_create("header");
  tcase_add_test(tc, header_decode_vectors);
  tcase_add_test(tc, header_encode_vectors);
  tcase_add_test(tc, header_decode_needs_five_bytes);
  suite_add_tcase(s, tc);

  tc = tcase_create("codec");
  tcase_add_test(tc, server_key_round_trip);
  tcase_add_test(tc, server_key_length_and_magic_rules);
  tcase_add_test(tc, client_info_round_trip);
  tcase_add_test(tc, client_info_length_edges);
  tcase_add_test(tc, server_info_round_trip_and_edges);
  tcase_add_test(tc, send_packet_round_trip_and_edges);
  tcase_add_test(tc, send_packet_encoder_refuses_oversize);
  tcase_add_test(tc, recv_packet_round_trip);
  tcase_add_test(tc, forward_packet_round_trip_and_edges);
  tcase_add_test(tc, keep_alive_round_trip);
  tcase_add_test(tc, note_preferred_round_trip_and_size);
  tcase_add_test(tc, peer_gone_both_forms);
  tcase_add_test(tc, peer_present_is_51_bytes_and_partial_decodes);
  tcase_add_test(tc, watch_conns_and_close_peer);
  tcase_add_test(tc, ping_pong_vectors);
  tcase_add_test(tc, health_vectors);
  tcase_add_test(tc, restarting_vectors);
  tcase_add_test(tc, encoders_are_all_or_nothing);
  suite_add_tcase(s, tc);

  tc = tcase_create("box");
  tcase_add_test(tc, sealed_client_info_opens_with_server_key);
  tcase_add_test(tc, sealed_server_info_opens_with_client_key);
  suite_add_tcase(s, tc);

  tc = tcase_create("reader");
  tcase_add_test(tc, reader_whole_stream);
  tcase_add_test(tc, reader_one_byte_chunks);
  tcase_add_test(tc, reader_partial_header_is_not_a_boundary);
  tcase_add_test(tc, reader_oversize_reports_length_then_skips);
  tcase_add_test(tc, reader_huge_length_does_not_buffer);
  tcase_add_test(tc, reader_announce_mode_take_and_skip);
  tcase_add_test(tc, reader_init_rejects_small_buffer);
  tcase_add_test(tc, reader_client_recv_vectors);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(derp_frame_suite)
