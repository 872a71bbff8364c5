/* it_wait_file FILE PID TIMEOUT_MS: print FILE once it holds a complete
 * line. Exit 0 found, 1 timeout, 2 process PID exited first, 3 usage.
 *
 * The integration script learns a server's port from its ready file and
 * must never sleep-poll: harness/proc waits on inotify and a pidfd. */
#include <stdio.h>
#include <stdlib.h>

#include "harness/proc.h"

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: it_wait_file FILE PID TIMEOUT_MS\n");
    return 3;
  }
  char text[4096];
  struct proc p;
  proc_watch(&p, (pid_t)atoi(argv[2]));
  enum proc_status st = proc_wait_file(&p, argv[1], atoi(argv[3]), text, sizeof text);
  proc_release(&p);
  switch (st) {
    case PROC_OK: fputs(text, stdout); return 0;
    case PROC_ERR_EXITED: return 2;
    default: return 1;
  }
}
