/* flaky: --repeat N. Each (scenario, relay) ran N times in a row; fold the
 * N rows into one: a cell whose runs agree keeps the first run's verdict,
 * one whose runs disagree becomes REPORT_FLAKY with every run's verdict and
 * actual listed. Internal to the runner. */
#ifndef DERPCHECK_FLAKY_H
#define DERPCHECK_FLAKY_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/report.h"

/* raw holds rows (and their cells) in groups of `repeat` consecutive rows
 * of the same scenario and relay; out gets one row per group (its wall
 * time the runs' mean). False on allocation failure. */
bool flaky_fold(const struct report *raw, size_t repeat, struct report *out);

#endif
