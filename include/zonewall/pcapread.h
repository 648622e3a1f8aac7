/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_PCAPREAD_H
#define ZONEWALL_PCAPREAD_H

/*
 * A reader for the common kind of capture file only: classic pcap,
 * version 2.4, either byte order, micro- or nanosecond timestamps, link
 * type Ethernet, Linux cooked SLL or SLL2.  libpcap reads such a file with
 * two stdio reads per packet, which cost as much as the learner itself;
 * this reads the file in 1 MiB blocks and hands out records in place.
 * Everything else (pcapng, other versions and link types, pipes) is left
 * to libpcap: pcr_open() says so and capture.c falls back.
 *
 * It gives exactly what libpcap 1.10 gives for the same file (records,
 * timestamps in nanoseconds, captured lengths cut to the snapshot length,
 * and an error where libpcap has one); tests/unit/test-pcapread and the
 * fuzz-pcapread harness hold it to that, with libpcap as the witness.
 */

#include "zonewall/capture.h"

#define PCR_MAX_SNAPLEN 262144u	/* libpcap's MAXIMUM_SNAPLEN for these link types */

struct pcr_file;

/**
 * pcr_open() - take over @fd (a file at offset 0) if it is a capture this
 * reader handles.
 * Return: the reader, which owns @fd from now on (pcr_close() closes it);
 * or NULL with errno EPROTONOSUPPORT (not such a file, or @fd cannot be
 * read at an offset: use libpcap; @fd is left open at offset 0) or ENOMEM.
 */
struct pcr_file *pcr_open(int fd);

/** pcr_linktype() - the file's link type (a DLT_ value: 1, 113 or 276). */
int pcr_linktype(const struct pcr_file *r);

/**
 * pcr_next() - the next record into @f; its data stays valid until the
 * next call.
 * Return: 1 with @f filled, 0 at the end of the file, or -EIO for a
 * damaged file or a read error (pcr_error() says which; the same again on
 * every later call).
 */
int pcr_next(struct pcr_file *r, struct cap_frame *f);

/** pcr_error() - the last error as one line ("" if none). */
const char *pcr_error(const struct pcr_file *r);

/** pcr_close() - close the file and free @r.  Accepts NULL. */
void pcr_close(struct pcr_file *r);

#endif
