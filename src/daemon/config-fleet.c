// SPDX-License-Identifier: GPL-2.0-or-later
/* The fleet keys of zonewalld.conf as etcd client settings (see config.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "zonewall/config.h"
#include "zonewall/etcd.h"
#include "zonewall/fileio.h"
#include "zonewall/fleet.h"

/* The password: the file's first line.  A secret: nobody but its owner reads it. */
static int cfg_fleet_password(const char *path, char *pw, size_t len, struct diags *d)
{
	struct stat st;
	size_t n = 0;
	char *buf;
	int rc;

	if (stat(path, &st) == 0 && (st.st_mode & 0077)) {
		diag_add(d, "fleet_password_file", "%s is readable or writable by others "
			 "(mode %04o): chmod 0600 it", path, (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	rc = fio_read_all(path, 4096, &buf, &n);
	if (rc) {
		diag_add(d, "fleet_password_file", "%s: %s", path, fio_strerror(rc));
		return rc;
	}
	n = strcspn(buf, "\r\n");
	if (!n || n >= len) {
		diag_add(d, "fleet_password_file", "%s: %s", path,
			 n ? "password too long" : "empty first line");
		rc = -EINVAL;
	} else {
		memcpy(pw, buf, n);
		pw[n] = '\0';
	}
	explicit_bzero(buf, strlen(buf));
	free(buf);
	return rc;
}

int cfg_fleet_etcd(const struct cfg *c, struct etcd_conf *ec, char *host, size_t hostlen,
		   struct diags *d)
{
	int rc;

	memset(ec, 0, sizeof(*ec));
	if (!c->fleet[0])
		return -ENOENT;
	rc = etcd_url_parse(ec, c->fleet, d);
	if (rc)
		return rc;
	snprintf(ec->user, sizeof(ec->user), "%s", c->fleet_user);
	snprintf(ec->ca, sizeof(ec->ca), "%s", c->fleet_ca);
	snprintf(ec->cert, sizeof(ec->cert), "%s", c->fleet_cert);
	snprintf(ec->key, sizeof(ec->key), "%s", c->fleet_key);
	if (c->fleet_password_file[0] &&
	    (rc = cfg_fleet_password(c->fleet_password_file, ec->password, sizeof(ec->password), d)))
		return rc;
	if (c->fleet_host[0]) {
		snprintf(host, hostlen, "%s", c->fleet_host);
	} else if (gethostname(host, hostlen) || (host[hostlen - 1] = '\0', !fleet_name_ok(host))) {
		diag_add(d, "fleet_host", "the host name '%.64s' cannot name a fleet host: "
			 "set fleet_host", host);
		return -EINVAL;
	}
	return 0;
}
