# cert_fields (X.509 fields straight from DER), pin_verify (the sha256-raw:
# pin check of Tailscale 1.82 / 1.84 / current) and the pin bench.
# Included from reference/CMakeLists.txt: paths are relative to reference/.

derp_module(cert_fields
  SOURCES src/cert_fields.c src/cert_fields_der.c src/cert_fields_time.c
  DEPS derp_byte_cursor)

# Go's pinning rules: the three profiles, Go's ParseCertificate/time model,
# Go's host name matching and error texts. SHA-256 from OpenSSL.
# Public keys as x509's parsePublicKey decodes them: EC points checked on
# their curve with OpenSSL (EC_GROUPs built once, hence Threads).
find_package(Threads REQUIRED)
derp_module(pin_verify
  SOURCES src/pin_verify.c src/pin_verify_x509.c src/pin_verify_key.c src/go_hostname.c
  DEPS derp_cert_fields derp_byte_cursor
  LIBS OpenSSL::Crypto Threads::Threads)

derp_check_test(check_cert_fields DEPS derp_cert_fields harness_certs OpenSSL::Crypto)
derp_check_test(check_pin_verify DEPS derp_pin_verify harness_certs OpenSSL::Crypto)

# Pin verifications per second for [leaf, metacert] next to d2i_X509 on the
# same certificates; the ctest entry is a short smoke run.
add_executable(bench_pin_verify bench/bench_pin_verify.c)
target_link_libraries(bench_pin_verify PRIVATE derp_pin_verify harness_certs OpenSSL::Crypto)
add_test(NAME bench.pin_verify COMMAND bench_pin_verify --iterations 2000)
set_tests_properties(bench.pin_verify PROPERTIES LABELS bench-smoke TIMEOUT 60)
