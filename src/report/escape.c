// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Escapers for the report's output contexts (include/zonewall/escape.h).
 */

#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/escape.h"

void esc_html(FILE *f, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *ref;

		switch (*s) {
		case '&': ref = "&amp;"; break;
		case '<': ref = "&lt;"; break;
		case '>': ref = "&gt;"; break;
		case '"': ref = "&quot;"; break;
		case '\'': ref = "&#39;"; break;
		default: continue;
		}
		fwrite(run, 1, (size_t)(s - run), f);
		fputs(ref, f);
		run = s + 1;
	}
	fwrite(run, 1, (size_t)(s - run), f);
}

char *esc_gv_label(const char *s)
{
	size_t n = strlen(s), extra = 0, i;
	char *out, *o;

	for (i = 0; i < n; i++)
		extra += s[i] == '\\';
	out = malloc(n + extra + 1);
	if (!out)
		return NULL;
	for (o = out, i = 0; i < n; i++) {
		if (s[i] == '\\')
			*o++ = '\\';
		*o++ = s[i];
	}
	*o = '\0';
	return out;
}

int esc_json_script(FILE *f, const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY), *s;

	if (!text)
		return -ENOMEM;
	/* Outside strings JSON has none of these bytes: escaping every one is
	 * escaping those inside strings. */
	for (s = text; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '<' || c == '>' || c == '&')
			fprintf(f, "\\u%04x", c);
		else if (c == 0xe2 && (unsigned char)s[1] == 0x80 &&
			 ((unsigned char)s[2] == 0xa8 || (unsigned char)s[2] == 0xa9))
			fprintf(f, "\\u%04x", 0x2000 + (unsigned char)s[2] - 0x80), s += 2;
		else
			fputc(c, f);
	}
	free(text);
	return ferror(f) ? -EIO : 0;
}

static bool shell_plain(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("_./:=@%+,-", *s)))
			return false;
	return true;
}

char *esc_shell(const char *s)
{
	size_t n = strlen(s), quotes = 0, i;
	char *out, *o;

	if (shell_plain(s))
		return strdup(s);
	for (i = 0; i < n; i++)
		quotes += s[i] == '\'';
	out = malloc(n + 3 * quotes + 3);
	if (!out)
		return NULL;
	o = out;
	*o++ = '\'';
	for (i = 0; i < n; i++) {
		if (s[i] == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = s[i];
		}
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}
