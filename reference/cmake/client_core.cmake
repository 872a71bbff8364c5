# fragment: see reference/CMakeLists.txt
# Client sans-I/O cores: DERPMap JSON + dial/TLS plans, the client DERP session.

derp_module(derpmap
  SOURCES src/derpmap.c src/derpmap_flags.c src/derpmap_dial.c
  LIBS PkgConfig::JANSSON)
derp_check_test(check_derpmap DEPS derp_derpmap)

derp_module(client_session
  SOURCES src/client_session.c src/client_session_request.c src/client_session_server_info.c
  DEPS derp_derp_frame derp_keys derp_byte_cursor
  LIBS PkgConfig::SODIUM PkgConfig::JANSSON)
derp_check_test(check_client_session DEPS derp_client_session PkgConfig::SODIUM)
