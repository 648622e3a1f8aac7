#!/bin/bash
# zonewall containers against a real podman (its own API service and
# containers): field-by-field agreement with podman inspect, events after a
# restart followed through events, and an API outage: last mapping kept and reported,
# recovery with a resync when the service returns.
. "$(dirname "$0")/../lib/runtime.sh"
rt_require
rt_podman_up || tap_skip_all "podman cannot run here: $RT_WHY"
rt_podman_three "${RT_TAG}net" || tap_skip_all "podman cannot run containers here"
rt_suite podman "podman://$PODMAN_SOCK" "$PODMAN"
rt_outage podman "podman://$PODMAN_SOCK" "$PODMAN"
tap_done
