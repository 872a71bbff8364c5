# derp-relay: the libevent/OpenSSL I/O shell around the sans-I/O cores, its
# flag unit tests, its loopback integration tests and its benchmark.

set(RELAY_DIR ${CMAKE_CURRENT_SOURCE_DIR}/relay)
set(RELAY_IT_DIR ${CMAKE_CURRENT_SOURCE_DIR}/tests/relay_integration)

# The flag parser stands alone so its Check test links nothing else.
add_library(relay_flags STATIC ${RELAY_DIR}/relay_flags.c ${RELAY_DIR}/relay_flags_usage.c
  ${RELAY_DIR}/relay_go_syntax.c ${RELAY_DIR}/relay_allowlist.c)
target_include_directories(relay_flags PUBLIC ${RELAY_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(relay_flags PUBLIC derp_keys derp_byte_cursor)
derp_check_test(check_relay_flags DEPS relay_flags)

# The shell: everything of derp-relay but main(), shared with the benchmark.
# `derpref` carries every sans-I/O module (relay_core, relay_http, http_head,
# stun, ipcert, metacert, derp_keys, ...).
add_library(relay_shell STATIC
  ${RELAY_DIR}/relay_log.c ${RELAY_DIR}/relay_ready.c ${RELAY_DIR}/relay_listen.c
  ${RELAY_DIR}/relay_tls.c ${RELAY_DIR}/relay_stun.c
  ${RELAY_DIR}/relay_connection.c ${RELAY_DIR}/relay_derp_io.c
  ${RELAY_DIR}/relay_server.c)
target_link_libraries(relay_shell PUBLIC relay_flags derpref
  OpenSSL::SSL OpenSSL::Crypto PkgConfig::LIBEVENT PkgConfig::SODIUM)

add_executable(derp-relay ${RELAY_DIR}/main.c)
target_link_libraries(derp-relay PRIVATE relay_shell)

# Integration tests: real derp-relay processes on loopback, driven by
# relay_probe (a small DERP/TLS/STUN client) and openssl s_client.
add_executable(relay_probe
  ${RELAY_IT_DIR}/relay_probe.c ${RELAY_IT_DIR}/probe_conn.c ${RELAY_IT_DIR}/probe_derp.c
  ${RELAY_IT_DIR}/probe_stun.c)
target_link_libraries(relay_probe PRIVATE relay_shell harness_ready)

set(RELAY_IT_TESTS
  help flag_errors start_snippet snippet_is_leaf_hash chain_metacert chain_stable_100
  tls_versions metacert_off ipv6 alpn sni_dns upgrade_fast_start http_426 http_endpoints
  bad_input exchange malformed_peer same_key slow_reader verify_clients handshake_timeout keyfile
  stun http_port sigterm)
foreach(t ${RELAY_IT_TESTS})
  add_test(NAME relay_integration.${t}
    COMMAND bash ${RELAY_IT_DIR}/relay_integration.sh ${t})
  set_tests_properties(relay_integration.${t} PROPERTIES
    LABELS unit
    TIMEOUT 120
    ENVIRONMENT "RELAY_BIN=$<TARGET_FILE:derp-relay>;PROBE_BIN=$<TARGET_FILE:relay_probe>")
endforeach()

# Benchmark: handshakes/s, packets/s and RSS per idle connection, each next to
# bare OpenSSL on the same machine. The ctest entry is a brief smoke run.
add_executable(bench_relay ${CMAKE_CURRENT_SOURCE_DIR}/bench/bench_relay.c)
target_compile_definitions(bench_relay PRIVATE DERP_RELAY_PATH="$<TARGET_FILE:derp-relay>")
target_link_libraries(bench_relay PRIVATE relay_shell harness_ready)
add_dependencies(bench_relay derp-relay)
add_test(NAME bench.relay COMMAND bench_relay --quick)
set_tests_properties(bench.relay PROPERTIES LABELS bench-smoke TIMEOUT 120)
