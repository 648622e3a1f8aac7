/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_NFT_INT_H
#define ZONEWALL_NFT_INT_H

/*
 * Inside the nf_tables code, lowest first: nft-conn.c (the connection and
 * its bounded waits: the only socket I/O), nft-read.c (dumps: what a table
 * holds now), nft-batch.c (a batch: its buffer, sending it, its acks),
 * nft-elem.c (sets and elements into a batch), nft-expr.c (rules into a
 * batch), nft.c (the operations: what goes into which batch).  Not part of
 * the library's interface.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include <libmnl/libmnl.h>

#include "zonewall/nft.h"
#include "zonewall/ruleset.h"

#define RCV_BUF (MNL_SOCKET_BUFFER_SIZE * 4)

/*
 * One message never exceeds this: an nlattr's length is 16 bits, so the
 * element list nest of NEWSETELEM must stay below 64 KiB.  The batch
 * buffer always keeps this much room free before a message is started.
 */
#define MSG_MAX (UINT16_MAX + 4096)

struct nft_conn {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	int timeout_ms;
	int sndbuf;		/* what SO_SNDBUF(FORCE) was raised to */
	char *rcv;
};

/** nft_deadline_in() - @d = now + @ms (CLOCK_MONOTONIC). */
void nft_deadline_in(struct timespec *d, int ms);

/**
 * nft_recv() - the next datagram of @c's socket into c->rcv, waiting at
 * most until @deadline.  Return: its length; -ETIMEDOUT or -errno.
 */
ssize_t nft_recv(struct nft_conn *c, const struct timespec *deadline);

/**
 * nft_send() - send @len bytes at @buf in one sendmsg, the socket's send
 * buffer raised first to hold them (SO_SNDBUFFORCE, else SO_SNDBUF).
 * Return: the bytes sent, or -1 with errno.
 */
ssize_t nft_send(struct nft_conn *c, const void *buf, size_t len);

/**
 * nft_dump() - send @req (its sequence number is set here) and run @cb on
 * every answer until NLMSG_DONE or the ack.  The whole answer is always
 * read, also after a failure.
 * Return: 0, -EINTR when the ruleset changed during the dump (what @cb saw
 * may be inconsistent: read again), the kernel's -errno, or -ETIMEDOUT
 * past the connection's timeout.
 */
int nft_dump(struct nft_conn *c, struct nlmsghdr *req, mnl_cb_t cb, void *data);

struct nft_live_name {
	char *name;
	uint32_t objtype;	/* objects: NFT_OBJECT_* */
};

struct nft_live_list {
	struct nft_live_name *v;
	size_t n;
	bool oom;
};

/* What a table holds now, by name: what a replacement in place deletes. */
struct nft_live {
	bool present;
	struct nft_live_list sets, chains, objs;
	const char *name;	/* the table's: dumps of chains are not filtered by the kernel */
};


/**
 * nft_live_read() - the named sets, chains and objects of table @t
 * (anonymous sets left out: they go with their rules).  An absent table
 * is not an error (present false).  Release with nft_live_free().
 * Return: 0 or -errno.
 */
int nft_live_read(struct nft_conn *c, const struct rs_table *t, struct nft_live *out);

/** nft_live_free() - release what nft_live_read() filled. */
void nft_live_free(struct nft_live *lt);

/* --- batches (nft-batch.c) ------------------------------------------------------ */

enum msg_kind {
	MSG_TABLE,
	MSG_DELTABLE,
	MSG_CHAIN,
	MSG_SET,
	MSG_ELEMS,
	MSG_RULE,
	MSG_COUNTER,
	MSG_FLUSH,		/* every rule of the table, before a replacement in place */
	MSG_DELSET,
	MSG_DELCHAIN,
	MSG_DELOBJ,
	MSG_PROBE,
};

/* What one acked message of the batch stands for, to name it on a refusal. */
struct msg_rec {
	size_t off;		/* of its nlmsghdr in the batch buffer */
	enum msg_kind kind;
	const struct rs_table *t;
	const void *obj;	/* rs_chain, rs_set, rs_rule; a name (MSG_COUNTER, MSG_DEL*) */
	const char *chain;	/* MSG_RULE: the chain's name */
	size_t first_elem;	/* MSG_ELEMS: first model element in the message */
	bool lead_zero;		/* MSG_ELEMS: begins with the interval-set zero marker */
	const char *what;	/* MSG_PROBE, MSG_ELEMS: "add"/"delete" */
};

struct batch {
	char *buf;
	size_t len, cap;
	uint32_t seq0;		/* BATCH_BEGIN's; message i has seq0 + 1 + i */
	struct msg_rec *recs;
	size_t n, rcap;
	bool oom;
};


/** nft_batch_init() - an empty batch numbering its messages from @c's next sequence number. */
void nft_batch_init(struct batch *b, struct nft_conn *c);

/** nft_batch_free() - release what @b holds (not @b). */
void nft_batch_free(struct batch *b);

/** nft_batch_room() - room for one more message (MSG_MAX); NULL when out of memory (b->oom). */
char *nft_batch_room(struct batch *b);

/** nft_batch_next_seq() - the sequence number of the next message. */
uint32_t nft_batch_next_seq(const struct batch *b);

/** nft_batch_push() - close the message at the end of @b and record what it stands for. */
void nft_batch_push(struct batch *b, const struct msg_rec *rec);

/**
 * nft_msg_start() - start a message of @type asking for an ack at the end of @b.
 * Return: its header, or NULL when out of memory (b->oom).
 */
struct nlmsghdr *nft_msg_start(struct batch *b, uint16_t type, enum rs_family fam,
			       uint16_t flags);

/** nft_batch_open() - begin @b (BATCH_BEGIN) for any generation. */
void nft_batch_open(struct batch *b);

/**
 * nft_batch_open_gen() - begin @b against generation @genid (0: any); the
 * kernel refuses it whole (ERESTART) when the ruleset moved on.
 */
void nft_batch_open_gen(struct batch *b, uint32_t genid);

struct ack_state {
	const struct batch *b;
	size_t got;
	int begin_err;		/* the batch as a whole refused (ERESTART: stale generation) */
	int first_err;
	size_t first_idx;
	char extack[256];
	uint32_t extack_off;
};
/**
 * nft_batch_talk() - send closed batch @b in one sendmsg and collect one
 * ack per message into @as.
 * Return: 0, the batch's or the first refused message's -errno, or
 * -ETIMEDOUT / -ENOBUFS when acks are missing.
 */
int nft_batch_talk(struct nft_conn *c, struct batch *b, struct ack_state *as);

/**
 * nft_batch_finish() - close, send and collect @b, consuming its sequence
 * numbers; fill @e (may be NULL) on a refusal.  Return: as nft_batch_talk().
 */
int nft_batch_finish(struct nft_conn *c, struct batch *b, struct nft_error *e);

/* --- sets and elements (nft-elem.c) ------------------------------------------------ */

/* Where element messages go. */
struct elem_target {
	const struct rs_table *t;	/* for the record; NULL for updates */
	enum rs_family family;
	const char *table;
	uint32_t set_id;		/* 0: refer by name only */
	uint16_t type;			/* NFT_MSG_NEWSETELEM or NFT_MSG_DELSETELEM */
	bool lead_zero;
};
/** nft_put_set() - declare set @s of @t, batch id @id, into @b. */
void nft_put_set(struct batch *b, const struct rs_table *t, const struct rs_set *s, uint32_t id);

/** nft_put_elems() - add or delete (@et->type) every element of @s, in as many messages as they need. */
void nft_put_elems(struct batch *b, const struct elem_target *et, const struct rs_set *s);

/** nft_needs_lead_zero() - whether interval set @s needs nft's leading zero end marker. */
bool nft_needs_lead_zero(const struct rs_set *s);

/** nft_kernel_elems() - how many kernel elements model element @i of @s becomes. */
unsigned int nft_kernel_elems(const struct rs_set *s, size_t i);

/* --- rules (nft-expr.c) ------------------------------------------------------------ */

/**
 * nft_put_rule() - append rule @rr of chain @ch to @b; sets are referred to
 * by name and by batch id (@table_base + their place in @t + 1).
 */
void nft_put_rule(struct batch *b, const struct rs_table *t, uint32_t table_base,
		  const struct rs_chain *ch, const struct rs_rule *rr);

#endif
