# metacert, ipcert, derp_keys: the relay's keys and certificates (spec §1.3–1.6, §2, §3.2, §7.3).
# Included from reference/CMakeLists.txt after cert.cmake (metacert needs derp_cert_fields).

# DERP node keys (X25519, libsodium) and the `-c` JSON key file.
derp_module(keys SOURCES src/derp_keys.c LIBS PkgConfig::SODIUM PkgConfig::JANSSON)
derp_check_test(check_derp_keys DEPS derp_keys PkgConfig::SODIUM)

# The DERP meta certificate: build (OpenSSL, Ed25519) and parse (cert_fields, no d2i).
derp_module(metacert
  SOURCES src/metacert_build.c src/metacert_parse.c
  DEPS derp_cert_fields derp_keys derp_byte_cursor
  LIBS OpenSSL::Crypto)
derp_check_test(check_metacert DEPS derp_metacert OpenSSL::Crypto)

# Manual-mode relay certificate: naming, generation, load-or-generate, snippet.
derp_module(ipcert
  SOURCES src/ipcert_name.c src/ipcert_generate.c src/ipcert_files.c src/ipcert_pem.c
          src/ipcert_hostname.c src/ipcert_provider.c src/ipcert_snippet.c
  DEPS derp_pin_verify derp_cert_fields
  LIBS OpenSSL::Crypto)
derp_check_test(check_ipcert DEPS derp_ipcert OpenSSL::Crypto)
