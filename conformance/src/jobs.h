/* jobs: run scenarios N at a time, each in its own worker process.
 *
 * A worker is forked per job (a scenario on one relay): a runner bug or
 * crash in one scenario
 * becomes error cells for that scenario only, and a scenario's processes
 * die with their worker (PR_SET_PDEATHSIG), so nothing outlives an
 * interrupted run. Each worker hands its row back as a small JSON file;
 * the parent merges rows into the report in scenario order and prints a
 * progress line as each scenario finishes. */
#ifndef DERPCHECK_JOBS_H
#define DERPCHECK_JOBS_H

#include <stdio.h>

#include "harness/report.h"
#include "scenario.h"
#include "scenario_run.h"

/* One unit of work: a scenario on a relay. */
struct job {
  const struct scenario *s;
  const struct run_relay *relay;
};

/* Rows land in list order. False only when the runner itself could not
   work (no temp dir...). */
bool jobs_run(const struct job *list, size_t n, const struct run_config *cfg, int jobs,
              struct report *out, FILE *progress);

#endif
