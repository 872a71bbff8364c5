# derp-client: the reference client program (TLS dial with pinning profiles,
# metacert fast start, packets, STUN, and the `debug derp`-style probe), its
# sans-I/O probe report module and its tests. Included from
# reference/CMakeLists.txt after relay_program.cmake.

# The probe report (§5 messages, Diagnosis, JSON): pure, fuzzable.
derp_module(probe_report
  SOURCES src/probe_report.c src/probe_report_json.c src/probe_report_diagnosis.c
  DEPS derp_pin_verify derp_cert_fields derp_byte_cursor)
derp_check_test(check_probe_report DEPS derp_probe_report)

# The program: flags and the CertName dispatch stand alone (pure, unit-tested);
# the rest is the I/O shell around the sans-I/O modules in `derpref`.
set(CLIENT_DIR ${CMAKE_CURRENT_SOURCE_DIR}/client)
add_library(client_flags STATIC ${CLIENT_DIR}/client_flags.c ${CLIENT_DIR}/client_dispatch.c)
target_include_directories(client_flags PUBLIC ${CLIENT_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(client_flags PUBLIC derp_derpmap derp_pin_verify)
derp_check_test(check_client_flags DEPS client_flags)

add_library(client_shell STATIC
  ${CLIENT_DIR}/client_dial.c ${CLIENT_DIR}/client_x509.c ${CLIENT_DIR}/client_tls.c
  ${CLIENT_DIR}/client_conn.c ${CLIENT_DIR}/client_stun.c ${CLIENT_DIR}/client_probe.c
  ${CLIENT_DIR}/client_output.c ${CLIENT_DIR}/client_modes.c)
target_link_libraries(client_shell PUBLIC client_flags derp_probe_report derp_client_session
  derp_tls_certmsg derp_metacert derp_http_head derp_stun derp_keys derp_ipcert derp_pin_verify
  derp_derpmap OpenSSL::SSL OpenSSL::Crypto PkgConfig::SODIUM)

add_executable(derp-client ${CLIENT_DIR}/main.c)
target_link_libraries(derp-client PRIVATE client_shell)

# Integration tests over loopback: openssl s_server presenting the factory's
# chains (always), and derp-relay (once it exists; this fragment is included
# after relay_program.cmake).
set(CLIENT_IT_DIR ${CMAKE_CURRENT_SOURCE_DIR}/tests/client_integration)
add_executable(client_it_certs ${CLIENT_IT_DIR}/it_certs.c)
target_link_libraries(client_it_certs PRIVATE harness_certs derp_cert_fields)
add_executable(client_it_wait ${CLIENT_IT_DIR}/it_wait_file.c)
target_link_libraries(client_it_wait PRIVATE harness_ready)

function(client_integration_test name)
  add_test(NAME client_integration.${name}
    COMMAND bash ${CLIENT_IT_DIR}/client_integration.sh ${name})
  set(env "CLIENT_BIN=$<TARGET_FILE:derp-client>;CERTS_BIN=$<TARGET_FILE:client_it_certs>"
          "WAIT_BIN=$<TARGET_FILE:client_it_wait>")
  if(TARGET derp-relay)
    list(APPEND env "RELAY_BIN=$<TARGET_FILE:derp-relay>")
  endif()
  set_tests_properties(client_integration.${name} PROPERTIES
    LABELS unit TIMEOUT 120 ENVIRONMENT "${env}")
endfunction()

foreach(t openssl_leaf openssl_leaf_metacert openssl_leaf_intermediate_metacert openssl_tls12
          openssl_pin_errors openssl_ca_path openssl_ca_expired openssl_legacy openssl_probe_not_derp
          exit_codes)
  client_integration_test(${t})
endforeach()
if(TARGET derp-relay)
  foreach(t relay_fast_and_slow relay_snippet relay_exchange relay_ping_stun relay_probe)
    client_integration_test(${t})
  endforeach()
endif()
