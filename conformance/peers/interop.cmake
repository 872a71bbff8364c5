# ctest label `interop`: the upstream peers (conformance/peers/) built and
# run. Included from the top-level CMakeLists.txt after conformance/ and
# fuzz/, whose targets it uses.
#
#   interop.peers                   build.sh: every version into <build>/peers
#                                   (fixture; Go's module and build caches make
#                                   a warm rebuild take seconds)
#   interop.matrix.reference        every scenario against the reference relay:
#                                   the C profiles beside the real clients
#   interop.matrix.derper@<v>       the same scenarios with upstream's derper
#                                   (oldest and newest) as the relay
#   interop.peers-go-test           the adapters' own Go unit tests
#   interop.pin-oracle              upstream's pin check and Go's x509 over
#                                   the certificate corpora vs the C verdicts
#   interop.json-oracle             json.Unmarshal into derp.ClientInfo and
#                                   derp.ServerInfo over corpus/relay_client_info
#                                   vs the relay's and the client's decoders
# Without Go each reports skipped (77) with the reason.
if(NOT TARGET derpcheck OR NOT TARGET fuzz_oracle_dump)
  return() # a build without the runner (e.g. a fuzzing preset)
endif()
set(DERPCHECK_PEERS_BUILD_DIR ${CMAKE_BINARY_DIR}/peers)
set(_peers_src ${PROJECT_SOURCE_DIR}/conformance/peers)

add_test(NAME interop.peers
         COMMAND ${_peers_src}/build.sh --out ${DERPCHECK_PEERS_BUILD_DIR})
set_tests_properties(interop.peers PROPERTIES
  LABELS interop FIXTURES_SETUP interop_peers SKIP_RETURN_CODE 77 TIMEOUT 3600)

set(_c_profiles tailscale-1.80,tailscale-1.82,tailscale-1.84,current,debug-legacy,relay)
set(_real_clients tailscale,tailscale-debug-derp)
function(interop_matrix relay)
  add_test(NAME interop.matrix.${relay}
           COMMAND ${_peers_src}/interop.sh ${DERPCHECK_PEERS_BUILD_DIR} $<TARGET_FILE:derpcheck>
                   -q --jobs 2 --relay ${relay} --profile ${_c_profiles} --client ${_real_clients}
                   --json ${CMAKE_BINARY_DIR}/interop-${relay}.json)
  set_tests_properties(interop.matrix.${relay} PROPERTIES
    LABELS interop FIXTURES_REQUIRED interop_peers SKIP_RETURN_CODE 77 TIMEOUT 900)
endfunction()
interop_matrix(reference)
interop_matrix(derper@v1.80.3)
interop_matrix(derper@v1.102.5)

add_test(NAME interop.pin-oracle
         COMMAND ${_peers_src}/oracle.sh --only pin --dump $<TARGET_FILE:fuzz_oracle_dump>
                 --peers-dir ${DERPCHECK_PEERS_BUILD_DIR})
set_tests_properties(interop.pin-oracle PROPERTIES
  LABELS interop FIXTURES_REQUIRED interop_peers SKIP_RETURN_CODE 77 TIMEOUT 900)
add_test(NAME interop.json-oracle
         COMMAND ${_peers_src}/oracle.sh --only json --dump $<TARGET_FILE:fuzz_oracle_dump>
                 --peers-dir ${DERPCHECK_PEERS_BUILD_DIR})
set_tests_properties(interop.json-oracle PROPERTIES
  LABELS interop FIXTURES_REQUIRED interop_peers SKIP_RETURN_CODE 77 TIMEOUT 900)

# The adapters' own Go tests (contract CLI, wire tap, DERPMap loading, the
# oracle's handshake), compiled against the newest pinned version.
add_test(NAME interop.peers-go-test
         COMMAND sh -c "command -v go >/dev/null || { echo 'skipped: no Go toolchain'; exit 77; }; cd '${_peers_src}/tailscale/v1.102.5' && GOTOOLCHAIN=local go test derpcheck.local/peers/shared/...")
set_tests_properties(interop.peers-go-test PROPERTIES
  LABELS interop FIXTURES_REQUIRED interop_peers SKIP_RETURN_CODE 77 TIMEOUT 900)
