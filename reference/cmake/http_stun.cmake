# HTTP upgrade head parser, the relay's HTTP routing, and STUN: sans-I/O cores
# shared by derp-relay, derp-client and their fuzz targets.

derp_module(http_head SOURCES src/http_head.c DEPS derp_byte_cursor)
derp_module(relay_http SOURCES src/relay_http.c src/relay_http_port80.c DEPS derp_http_head derp_byte_cursor)
derp_module(stun SOURCES src/stun.c DEPS derp_byte_cursor)

derp_check_test(check_http_head DEPS derp_http_head)
derp_check_test(check_relay_http DEPS derp_relay_http)
derp_check_test(check_stun DEPS derp_stun)
