/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_SHA256_H
#define ZONEWALL_SHA256_H

/*
 * SHA-256 (FIPS 180-4): the digest that names a policy in the fleet's
 * store, so a host can say which policy it enforces and a reader can
 * tell a policy read back in pieces is whole.
 */

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 65	/* 64 hex digits and a NUL */

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed */
	unsigned char buf[64];
	size_t nbuf;
};

/** sha256_init() - start a digest in @s. */
void sha256_init(struct sha256 *s);

/** sha256_update() - hash @n bytes of @p into @s. */
void sha256_update(struct sha256 *s, const void *p, size_t n);

/** sha256_final() - finish @s; @out gets the 32-byte digest. */
void sha256_final(struct sha256 *s, unsigned char out[32]);

/** sha256_hex() - the digest of @p[0..@n) as lower-case hex into @hex. */
void sha256_hex(const void *p, size_t n, char hex[SHA256_HEX_LEN]);

#endif
