/* replay_selftest: a trivial target that lets ctest pin down the replay
 * driver's contract (what counts as executed, ignored, failed). It touches
 * every byte it is given, and aborts on an input starting with "crash". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  volatile uint8_t sum = 0;
  for (size_t i = 0; i < size; i++) sum = (uint8_t)(sum + data[i]);
  if (size >= 5 && memcmp(data, "crash", 5) == 0) abort();
  return 0;
}
