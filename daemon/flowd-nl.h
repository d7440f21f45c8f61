/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FLOWD_NL_H
#define FLOWD_NL_H

#include "flowd-state.h"

struct fsw_nl;

/* Subscribed to the module's events, or NULL (said in the log). */
struct fsw_nl *flowd_nl_open(struct flowd *d);
/* Take what is queued on @nl. */
void flowd_nl_events(struct flowd *d, struct fsw_nl *nl);

#endif /* FLOWD_NL_H */
