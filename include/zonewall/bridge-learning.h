/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_BRIDGE_LEARNING_H
#define ZONEWALL_BRIDGE_LEARNING_H

/*
 * A bridge's learning from link-local frames.  A frame to an IEEE 802.1
 * reserved group address (01:80:c2:00:00:0X) is not forwarded: the bridge
 * hands it to the host and learns its source MAC on the way.  The bridge
 * table's input chain drops a container's such frames before that learning
 * where the kernel runs the bridge input hook for them (02-0f with STP off,
 * measured on 6.18); with STP on, 00 and 0e reach no hook at all, so one
 * frame could still move a neighbour's MAC to a container's port.  The
 * bridge option no_linklocal_learn turns that learning off; nothing on a
 * container bridge needs it.  Over rtnetlink, one socket for all bridges.
 */

#include <stddef.h>

/**
 * brlearn_linklocal_off() - set no_linklocal_learn on each of the @n bridges.
 * @failed: the index of the bridge that refused, when the return is not 0.
 * Return: 0, or the first refusal's -errno (-ENODEV: no such interface,
 * -EOPNOTSUPP: not a bridge); the bridges after it are still set.
 */
int brlearn_linklocal_off(char *const *bridges, size_t n, size_t *failed);

#endif
