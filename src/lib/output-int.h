/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_OUTPUT_INT_H
#define ZONEWALL_OUTPUT_INT_H

/* Shared by output.c and output-json.c only. */

#include "zonewall/output.h"

/** out_ncols() - the columns of @cols, up to its NULL key. */
size_t out_ncols(const struct out_column *cols);

#endif
