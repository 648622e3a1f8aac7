// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: control-socket request checking (ctl_request_parse). */

#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "zonewall/ctl.h"
#include "zonewall/diag.h"

static int fuzz_handle(struct ctl_call *call, void *arg)
{
	return 0;
}

static const struct ctl_command fuzz_table[] = {
	{ .name = "ping", .handle = fuzz_handle },
	{ .name = "apply", .flags = CTL_CMD_AUDIT, .handle = fuzz_handle, .args = {
		{ .name = "confirm_within", .type = CTL_ARG_INT, .min = 10, .max = 3600 },
		{ .name = "policy", .type = CTL_ARG_STRING, .required = true },
		{ .name = "dry", .type = CTL_ARG_BOOL } } },
	{ .name = NULL },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ctl_command *cmd;
	struct diags d;
	json_t *req;

	diags_init(&d);
	if (ctl_request_parse(fuzz_table, (const char *)data, size, &cmd, &req, &d) == CTL_OK)
		json_decref(req);
	return 0;
}
