# derp-client: the reference client program (TLS dial with pinning profiles,
# metacert fast start, packets, STUN, and the `debug derp`-style probe), its
# sans-I/O probe report module and its tests. Included from
# reference/CMakeLists.txt after relay_program.cmake.

# The probe report (§5 messages, Diagnosis, JSON): pure, fuzzable.
derp_module(probe_report
  SOURCES src/probe_report.c src/probe_report_json.c src/probe_report_diagnosis.c
  DEPS derp_pin_verify derp_cert_fields derp_byte_cursor)
derp_check_test(check_probe_report DEPS derp_probe_report)
