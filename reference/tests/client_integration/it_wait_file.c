/* it_wait_file FILE PID TIMEOUT_MS: print FILE once it exists and is not
 * empty. Exit 0 found, 1 timeout, 2 process PID exited first, 3 usage.
 *
 * The integration script learns a server's port from its ready file and
 * must never sleep-poll: harness/ready_wait waits on inotify and a pidfd. */
#include <stdio.h>
#include <stdlib.h>

#include "harness/ready_wait.h"

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: it_wait_file FILE PID TIMEOUT_MS\n");
    return 3;
  }
  char text[4096];
  switch (wait_ready_file(argv[1], atoi(argv[2]), atoi(argv[3]), text, sizeof text)) {
    case 0: fputs(text, stdout); return 0;
    case -2: return 2;
    default: return 1;
  }
}
