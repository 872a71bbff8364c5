# DERP frame codec (shared by relay and client) and the relay's sans-I/O
# session core. Libraries: derp_derp_frame, derp_relay_core.

derp_module(derp_frame SOURCES src/derp_frame.c
  DEPS derp_byte_cursor LIBS PkgConfig::SODIUM)
derp_check_test(check_derp_frame DEPS derp_derp_frame PkgConfig::SODIUM)

derp_module(relay_core
  SOURCES src/relay_core.c src/relay_session.c src/relay_client_info.c
          src/relay_keymap.c src/relay_queue.c
  DEPS derp_derp_frame derp_byte_cursor LIBS PkgConfig::SODIUM PkgConfig::JANSSON)
derp_check_test(check_relay_core DEPS derp_relay_core PkgConfig::SODIUM)
