#!/bin/bash
# zonewall containers against a real dockerd started here on its own socket
# (--iptables=false --bridge=none: the host's firewall is left alone):
# field-by-field agreement with docker inspect, events after a restart
# followed through events (latency: tests/bench/runtime-events).
. "$(dirname "$0")/../lib/runtime.sh"
rt_require
rt_docker_up || tap_skip_all "dockerd cannot run here: $RT_WHY"
rt_docker_three "${RT_TAG}net" || tap_skip_all "dockerd cannot run containers here"
rt_suite docker "docker://$DOCKER_SOCK" rt_docker
tap_done
