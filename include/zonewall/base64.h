/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_BASE64_H
#define ZONEWALL_BASE64_H

/*
 * Base64 (RFC 4648, standard alphabet, padded): etcd's JSON gateway
 * carries every key and value as base64 text.
 */

#include <stddef.h>

/** b64_encoded_len() - bytes b64_encode() writes for @n input bytes, NUL included. */
size_t b64_encoded_len(size_t n);

/**
 * b64_encode() - @src[0..@n) as padded base64 into @dst (b64_encoded_len(@n)
 * bytes), NUL-terminated.
 */
void b64_encode(const void *src, size_t n, char *dst);

/**
 * b64_decode() - the padded base64 text @src[0..@n) into @dst (at least
 * @n / 4 * 3 + 1 bytes), NUL-terminated for convenience; *@outlen gets the
 * decoded length.
 *
 * Return: 0, or -EINVAL for a character outside the alphabet, a length
 * that is not a multiple of four or padding anywhere but at the end.
 */
int b64_decode(const char *src, size_t n, unsigned char *dst, size_t *outlen);

#endif
