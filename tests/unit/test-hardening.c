// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * safe_file_check(): zonewalld refuses configuration and policy files that
 * someone other than root (or its own user) could have changed.  Each
 * refusal must name the file and what is wrong with it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "tap.h"
#include "zonewall/diag.h"
#include "zonewall/hardening.h"

static char dir[] = "/tmp/zw-safety-XXXXXX";

static void put(const char *name, mode_t mode, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0)
		close(fd);
	chmod(path, mode);
}

/* safe_file_check() with its problem on one line in @why ("" when none). */
static int check(const char *path, char *why, size_t len)
{
	struct diags d;
	int rc;

	diags_init(&d);
	rc = safe_file_check("policy", path, &d);
	diags_summary(&d, why, len);
	return rc;
}

int main(void)
{
	char path[512], sub[256], why[1024], cmd[300];
	uint64_t eff, prm, bnd;
	int rc;

	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP cannot make a temporary directory\n");
		return 0;
	}
	chmod(dir, 0755);
	put("good.json", 0600, path, sizeof(path));
	tap_ok(check(path, why, sizeof(why)) == 0, "an 0600 file of ours in an 0755 directory: taken");
	put("gw.json", 0620, path, sizeof(path));
	rc = check(path, why, sizeof(why));
	tap_ok(rc == -EPERM && strstr(why, path) && strstr(why, "policy"),
	       "group-writable: refused, naming it: %s", why);
	put("ow.json", 0602, path, sizeof(path));
	tap_ok(check(path, why, sizeof(why)) == -EPERM, "writable by others: refused");
	snprintf(path, sizeof(path), "%s/missing.json", dir);
	rc = check(path, why, sizeof(why));
	tap_ok(rc == -ENOENT && strstr(why, "missing.json"), "missing: -ENOENT, named: %s", why);
	snprintf(path, sizeof(path), "%s", dir);
	tap_ok(check(path, why, sizeof(why)) < 0, "a directory is not a policy file: %s", why);

	snprintf(sub, sizeof(sub), "%s/open", dir);
	mkdir(sub, 0777);
	chmod(sub, 0777);
	snprintf(path, sizeof(path), "%s/p.json", sub);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	rc = check(path, why, sizeof(why));
	tap_ok(rc == -EPERM, "a good file in a world-writable directory: refused: %s", why);
	chmod(sub, 01777);
	tap_ok(check(path, why, sizeof(why)) == 0, "unless the directory is sticky (like /tmp)");

	tap_ok(safe_caps_read(&eff, &prm, &bnd) == 0 && (eff & ~prm) == 0,
	       "capabilities read; the effective set lies within the permitted one");

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	tap_ok(system(cmd) == 0, "cleaned up");
	return tap_done();
}
