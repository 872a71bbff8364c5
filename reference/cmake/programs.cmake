# I/O shells: the TLS layer shared by derp-relay and derp-client, and the programs.

derp_module(tls_certmsg SOURCES src/tls_certmsg.c DEPS derp_byte_cursor)
derp_check_test(check_tls_certmsg DEPS derp_tls_certmsg)
