// SPDX-License-Identifier: GPL-2.0-or-later
/* Base64 of RFC 4648 (see base64.h). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "zonewall/base64.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t b64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4 + 1;
}

void b64_encode(const void *src, size_t n, char *dst)
{
	const unsigned char *s = src;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];

		*dst++ = b64_alphabet[v >> 18];
		*dst++ = b64_alphabet[v >> 12 & 63];
		*dst++ = b64_alphabet[v >> 6 & 63];
		*dst++ = b64_alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);

		*dst++ = b64_alphabet[v >> 18];
		*dst++ = b64_alphabet[v >> 12 & 63];
		*dst++ = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
		*dst++ = '=';
	}
	*dst = '\0';
}

/* The 6-bit value of @c, or -1. */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int b64_decode(const char *src, size_t n, unsigned char *dst, size_t *outlen)
{
	size_t o = 0;

	if (n % 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 4) {
		bool last = i + 4 == n;
		int pad = last ? (src[i + 3] == '=') + (src[i + 2] == '=') : 0;
		uint32_t v = 0;

		if (pad == 1 && src[i + 2] == '=')
			return -EINVAL;	/* "x=y=" */
		for (int k = 0; k < 4 - pad; k++) {
			int d = b64_value((unsigned char)src[i + k]);

			if (d < 0)
				return -EINVAL;
			v |= (uint32_t)d << (18 - 6 * k);
		}
		dst[o++] = v >> 16;
		if (pad < 2)
			dst[o++] = v >> 8 & 0xff;
		if (pad < 1)
			dst[o++] = v & 0xff;
	}
	dst[o] = '\0';
	*outlen = o;
	return 0;
}
