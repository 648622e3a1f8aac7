// SPDX-License-Identifier: GPL-2.0-or-later
/* The daemon's event loop: epoll over fds, timerfds and one signalfd. */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "zonewall/loop.h"

#define LOOP_BATCH 64
#define LOOP_NSIG 65

enum loop_kind {
	LOOP_FD,
	LOOP_TIMER,
	LOOP_SIGNAL,
};

struct loop_source {
	struct loop *loop;
	enum loop_kind kind;
	int fd;
	bool dead;
	loop_fd_cb fd_cb;
	loop_timer_cb timer_cb;
	void *arg;
	struct loop_source *next_dead;
	struct loop_source *prev, *next;	/* live sources, for loop_free() */
};

struct loop_sig {
	loop_signal_cb cb;
	void *arg;
};

struct loop {
	int epfd;
	int sigfd;
	struct loop_source *sig_src;
	sigset_t sigmask, old_sigmask;
	bool sigmask_changed;
	struct loop_sig sigs[LOOP_NSIG];
	struct loop_source *live;
	struct loop_source *dead;	/* removed during a batch, freed after it */
	bool dispatching;
	bool stop;
	int status;
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->sigfd = -1;
	sigemptyset(&l->sigmask);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int e = errno;

		free(l);
		errno = e;
		return NULL;
	}
	return l;
}

static void loop_reap(struct loop *l)
{
	while (l->dead) {
		struct loop_source *s = l->dead;

		l->dead = s->next_dead;
		free(s);
	}
}

static struct loop_source *loop_source_new(struct loop *l, enum loop_kind kind, int fd,
					   uint32_t events, void *arg)
{
	struct epoll_event ev = { .events = events };
	struct loop_source *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->loop = l;
	s->kind = kind;
	s->fd = fd;
	s->arg = arg;
	ev.data.ptr = s;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;

		free(s);
		errno = e;
		return NULL;
	}
	s->next = l->live;
	if (l->live)
		l->live->prev = s;
	l->live = s;
	return s;
}

struct loop_source *loop_fd_add(struct loop *l, int fd, uint32_t events,
				loop_fd_cb cb, void *arg)
{
	struct loop_source *s = loop_source_new(l, LOOP_FD, fd, events, arg);

	if (s)
		s->fd_cb = cb;
	return s;
}

int loop_fd_events(struct loop_source *s, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = s };

	if (epoll_ctl(s->loop->epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0)
		return -errno;
	return 0;
}

static void loop_ms_to_ts(uint64_t ms, struct timespec *ts)
{
	ts->tv_sec = ms / 1000;
	ts->tv_nsec = (ms % 1000) * 1000000;
}

int loop_timer_set(struct loop_source *s, uint64_t first_ms, uint64_t interval_ms)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	loop_ms_to_ts(first_ms, &its.it_value);
	loop_ms_to_ts(interval_ms, &its.it_interval);
	if (timerfd_settime(s->fd, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

struct loop_source *loop_timer_add(struct loop *l, uint64_t first_ms, uint64_t interval_ms,
				   loop_timer_cb cb, void *arg)
{
	struct loop_source *s;
	int fd, err;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	s = loop_source_new(l, LOOP_TIMER, fd, EPOLLIN, arg);
	if (!s) {
		err = errno;
		goto out_close_fd;
	}
	s->timer_cb = cb;
	err = -loop_timer_set(s, first_ms, interval_ms);
	if (!err)
		return s;
	loop_source_del(s);
	errno = err;
	return NULL;
out_close_fd:
	close(fd);
	errno = err;
	return NULL;
}

int loop_signal_add(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
	sigset_t one;
	int fd;

	if (signo <= 0 || signo >= LOOP_NSIG)
		return -EINVAL;
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, l->sigmask_changed ? NULL : &l->old_sigmask) < 0)
		return -errno;
	l->sigmask_changed = true;
	sigaddset(&l->sigmask, signo);
	fd = signalfd(l->sigfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (l->sigfd < 0) {
		l->sigfd = fd;
		l->sig_src = loop_source_new(l, LOOP_SIGNAL, fd, EPOLLIN, NULL);
		if (!l->sig_src) {
			int e = errno;

			close(fd);
			l->sigfd = -1;
			return -e;
		}
	}
	l->sigs[signo].cb = cb;
	l->sigs[signo].arg = arg;
	return 0;
}

void loop_source_del(struct loop_source *s)
{
	struct loop *l;

	if (!s || s->dead)
		return;
	l = s->loop;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	if (s->kind != LOOP_FD)
		close(s->fd);
	s->fd = -1;
	s->dead = true;
	if (s->prev)
		s->prev->next = s->next;
	else
		l->live = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next_dead = l->dead;
	l->dead = s;
	if (!l->dispatching)
		loop_reap(l);
}

static void loop_signals_read(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo < LOOP_NSIG && l->sigs[si.ssi_signo].cb)
			l->sigs[si.ssi_signo].cb(l, &si, l->sigs[si.ssi_signo].arg);
	}
}

static void loop_dispatch(struct loop *l, struct loop_source *s, uint32_t events)
{
	uint64_t expirations;

	if (s->dead)
		return;
	switch (s->kind) {
	case LOOP_FD:
		s->fd_cb(l, s->fd, events, s->arg);
		break;
	case LOOP_TIMER:
		/* Overruns collapse into one call: handlers look at the clock. */
		if (read(s->fd, &expirations, sizeof(expirations)) == sizeof(expirations))
			s->timer_cb(l, s->arg);
		break;
	case LOOP_SIGNAL:
		loop_signals_read(l);
		break;
	}
}

int loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event evs[LOOP_BATCH];
	int n, i;

	n = epoll_wait(l->epfd, evs, LOOP_BATCH, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	l->dispatching = true;
	for (i = 0; i < n; i++)
		loop_dispatch(l, evs[i].data.ptr, evs[i].events);
	l->dispatching = false;
	loop_reap(l);
	return n;
}

int loop_run(struct loop *l)
{
	int n;

	while (!l->stop) {
		n = loop_run_once(l, -1);
		if (n < 0)
			return n;
	}
	return l->status;
}

void loop_stop(struct loop *l, int status)
{
	l->stop = true;
	l->status = status;
}

bool loop_stopping(const struct loop *l)
{
	return l->stop;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	while (l->live)
		loop_source_del(l->live);
	loop_reap(l);
	if (l->sigmask_changed)
		sigprocmask(SIG_SETMASK, &l->old_sigmask, NULL);
	close(l->epfd);
	free(l);
}
