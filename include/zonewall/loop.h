/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_LOOP_H
#define ZONEWALL_LOOP_H

/*
 * A small single-threaded event loop on epoll: file descriptors, timers
 * (timerfd) and signals (signalfd).  Every callback runs on the loop's
 * thread, one at a time, so handlers need no locking.  A source may be
 * removed from any callback, including its own and another source's whose
 * event is already pending: removal is deferred to the end of the batch.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/signalfd.h>

struct loop;
struct loop_source;

typedef void (*loop_fd_cb)(struct loop *l, int fd, uint32_t events, void *arg);
typedef void (*loop_timer_cb)(struct loop *l, void *arg);
typedef void (*loop_signal_cb)(struct loop *l, const struct signalfd_siginfo *si, void *arg);

/**
 * loop_new() - an empty loop.
 * Return: the loop (free with loop_free()), or NULL with errno set.
 */
struct loop *loop_new(void);

/**
 * loop_free() - remove every source, close timer and signal fds the loop
 * made (never the fds handed to loop_fd_add()), restore the signal mask.
 * Accepts NULL.
 */
void loop_free(struct loop *l);

/**
 * loop_fd_add() - call @cb(l, @fd, events, @arg) when @fd is ready for
 * @events (EPOLLIN, EPOLLOUT; EPOLLHUP/EPOLLERR are always reported).
 * The caller keeps owning @fd and must loop_source_del() before closing it.
 * Return: the source, or NULL with errno set.
 */
struct loop_source *loop_fd_add(struct loop *l, int fd, uint32_t events,
				loop_fd_cb cb, void *arg);

/**
 * loop_fd_events() - change the events @s waits for.
 * Return: 0 or -errno.
 */
int loop_fd_events(struct loop_source *s, uint32_t events);

/**
 * loop_timer_add() - a timer calling @cb first after @first_ms and then
 * every @interval_ms (0: once).  @first_ms == 0 makes a disarmed timer.
 * Return: the source (owns its timerfd), or NULL with errno set.
 */
struct loop_source *loop_timer_add(struct loop *l, uint64_t first_ms, uint64_t interval_ms,
				   loop_timer_cb cb, void *arg);

/**
 * loop_timer_set() - re-arm @s (0, 0 disarms).
 * Return: 0 or -errno.
 */
int loop_timer_set(struct loop_source *s, uint64_t first_ms, uint64_t interval_ms);

/**
 * loop_signal_add() - block @signo and deliver it through the loop's
 * signalfd to @cb with the sender's siginfo (ssi_uid, ssi_pid).  One
 * handler per signal; adding a second replaces the first.
 * Return: 0 or -errno.
 */
int loop_signal_add(struct loop *l, int signo, loop_signal_cb cb, void *arg);

/**
 * loop_source_del() - stop watching @s and release it (a timer's fd is
 * closed, an fd source's fd is not).  Safe inside callbacks.  Accepts NULL.
 */
void loop_source_del(struct loop_source *s);

/**
 * loop_run() - dispatch events until loop_stop().
 * Return: the status given to loop_stop(), or -errno if epoll_wait failed.
 */
int loop_run(struct loop *l);

/**
 * loop_run_once() - wait at most @timeout_ms (-1: forever) for one batch of
 * events and dispatch it.  For tests and for callers that drive the loop.
 * Return: events dispatched (>= 0) or -errno.
 */
int loop_run_once(struct loop *l, int timeout_ms);

/** loop_stop() - make loop_run() return @status after the current batch. */
void loop_stop(struct loop *l, int status);

/** loop_stopping() - whether loop_stop() was called. */
bool loop_stopping(const struct loop *l);

/** loop_now_ms() - CLOCK_MONOTONIC in milliseconds. */
uint64_t loop_now_ms(void);

#endif
