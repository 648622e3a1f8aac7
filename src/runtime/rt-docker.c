// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Docker backend: dockerd, whose API is the one the client speaks.
 * Nothing beyond it: no pidfile in its inspect answer (a restarted
 * container keeps its address, and its inspect answers in a few ms), no
 * event log file of its own.  It is also what a unix:// URI means.
 */

#include "config.h"

#include <stddef.h>

#include "zonewall/rt-backend.h"
#include "runtime-int.h"

const struct rt_backend rt_backend_docker = {
	.name = "docker",
	.socket = "/var/run/docker.sock",
	.component = NULL,
	.inspect_extra = NULL,
	.event_log = NULL,
	.parse_log_line = NULL,
};
