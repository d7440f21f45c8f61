// SPDX-License-Identifier: GPL-2.0
/* The flowswitch tracepoints (kmod/trace.h) are defined here. */
#define CREATE_TRACE_POINTS
#include "trace.h"
