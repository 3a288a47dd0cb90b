# Settings of the spank-nix test cluster. Sourced by tests/cluster/cluster,
# tests/run-all and tests/integration/helpers.bash.
#
# Every setting can be overridden from the environment, so that two clusters
# can run side by side on one machine: give the second one another NIXC_NAME
# (ports and subnet are then derived from the name unless set explicitly).

_nixc_cfg_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NIXC_REPO=${NIXC_REPO:-$(cd "$_nixc_cfg_dir/../.." && pwd)}

# Name of the cluster: part of every derived name (netns, bridge, dirs, hosts).
# Keep it short (<= 8 chars): Linux interface names are limited to 15.
NIXC_NAME=${NIXC_NAME:-snx}
# Everything the cluster writes: conf, logs, spool, munge, plugin state.
NIXC_DIR=${NIXC_DIR:-/var/tmp/spank-nix-$NIXC_NAME}
NIXC_NODES=${NIXC_NODES:-2}
# CPUs declared per node (SlurmdParameters=config_overrides lets it exceed the
# real core count).
NIXC_CPUS=${NIXC_CPUS:-4}
# The non-root user that submits jobs (created by `cluster up`/`ensure-user`).
NIXC_USER=${NIXC_USER:-nixtest}
NIXC_HOME=${NIXC_HOME:-/home/$NIXC_USER}

# A small number derived from the name, for non-default clusters' ports/subnet.
if [ "$NIXC_NAME" = snx ]; then
  _nixc_slot=0
else
  _nixc_slot=$(( $(printf '%s' "$NIXC_NAME" | cksum | cut -d' ' -f1) % 150 + 1 ))
fi
NIXC_BRIDGE=${NIXC_BRIDGE:-${NIXC_NAME}-br}
# First three octets; host = .1 on the bridge, node i = .(10+i). These
# addresses exist only on the bridge and in the nodes' network namespaces.
NIXC_SUBNET=${NIXC_SUBNET:-10.231.$((7 + _nixc_slot))}
NIXC_CTLD_PORT=${NIXC_CTLD_PORT:-$((16817 + 10 * _nixc_slot))}
NIXC_SLURMD_PORT=${NIXC_SLURMD_PORT:-$((16818 + 10 * _nixc_slot))}
# 160 srun ports per slot: slot 150 ends at 64159, below 65536.
NIXC_SRUN_PORT_RANGE=${NIXC_SRUN_PORT_RANGE:-$((40000 + 160 * _nixc_slot))-$((40159 + 160 * _nixc_slot))}

# The plugin and its plugstack arguments.
NIXC_PLUGIN=${NIXC_PLUGIN:-$NIXC_REPO/build/spank/spank_nix.so}
NIXC_PLUGIN_ARGS=${NIXC_PLUGIN_ARGS:-}
# required|optional (plugstack.conf keyword)
NIXC_PLUGIN_MODE=${NIXC_PLUGIN_MODE:-required}

# none|tmpfs|linux: the job container / namespace plugin (tmpfs and linux also
# set PrologFlags=contain). tmpfs: job_container/tmpfs, namespace/tmpfs from
# Slurm 25.11; linux: namespace/linux (25.11+) with the NIXC_NS_FLAGS.
NIXC_JOB_CONTAINER=${NIXC_JOB_CONTAINER:-none}
NIXC_NS_FLAGS=${NIXC_NS_FLAGS:-CLONE_NEWUSER CLONE_NEWPID}
# The namespace plugin's Dirs (the job's private directories; 23.02+),
# comma-separated; empty: Slurm's default (/tmp,/dev/shm).
NIXC_NS_DIRS=${NIXC_NS_DIRS:-}
# Extra PrologFlags (e.g. contain) even without job_container/tmpfs.
NIXC_PROLOG_FLAGS=${NIXC_PROLOG_FLAGS:-}
# cgroup|linuxproc|pgid. Default: cgroup (v1) when the v1 freezer is mounted.
if [ -z "${NIXC_PROCTRACK:-}" ]; then
  if [ -d /sys/fs/cgroup/freezer ] && grep -q ' /sys/fs/cgroup/freezer cgroup ' /proc/mounts 2>/dev/null; then
    NIXC_PROCTRACK=cgroup
  else
    NIXC_PROCTRACK=linuxproc
  fi
fi
# SlurmdDebug / SlurmctldDebug level.
NIXC_DEBUG=${NIXC_DEBUG:-debug}
# Extra lines appended verbatim to slurm.conf (newline separated).
NIXC_EXTRA_CONF=${NIXC_EXTRA_CONF:-}
# Node numbers (1 2 ...) whose slurmd is refused user namespaces (seccomp,
# tests/no-userns/no-userns.c), as on a node with user.max_user_namespaces=0.
NIXC_NO_USERNS_NODES=${NIXC_NO_USERNS_NODES:-}

# The settings a running cluster was started with (saved by `cluster up`)
# win over the environment, so that `down`, `status`, `as-user` and the tests
# see the cluster as it is. NIXC_NAME/NIXC_DIR select the cluster.
NIXC_SETTINGS_VARS="NIXC_NODES NIXC_CPUS NIXC_USER NIXC_HOME NIXC_BRIDGE NIXC_SUBNET
  NIXC_CTLD_PORT NIXC_SLURMD_PORT NIXC_SRUN_PORT_RANGE NIXC_PLUGIN NIXC_PLUGIN_ARGS
  NIXC_PLUGIN_MODE NIXC_JOB_CONTAINER NIXC_NS_FLAGS NIXC_PROLOG_FLAGS NIXC_PROCTRACK NIXC_DEBUG NIXC_EXTRA_CONF NIXC_NO_USERNS_NODES"
if [ -z "${NIXC_IGNORE_SAVED:-}" ] && [ -r "$NIXC_DIR/run/settings" ]; then
  # shellcheck disable=SC1091
  . "$NIXC_DIR/run/settings"
fi

# Derived names (not meant to be overridden).
NIXC_CONF=$NIXC_DIR/etc/slurm.conf
NIXC_MUNGE_SOCKET=$NIXC_DIR/munge/munge.socket
NIXC_HOST_ADDR=$NIXC_SUBNET.1
NIXC_CTLD_HOST=${NIXC_NAME}ctl
# The plugin's state dir: its default, on each node's own /run (every node
# has its own mount namespace, see `cluster`): reach it with
# `cluster on-node NODE CMD...`.
NIXC_STATE_DIR=/run/spank-nix
NIXC_PIDS_DIR=$NIXC_DIR/pids
# A directory owned by the test user for tests' files (job outputs, scratch
# stores...): removed with the cluster by `down`. Not under /tmp (private
# under job_container/tmpfs).
NIXC_SCRATCH=$NIXC_DIR/scratch
# Node i: hostname ${NIXC_NAME}$i, netns ${NIXC_NAME}-n$i, address $NIXC_SUBNET.$((10+i)).
nixc_node_name() { echo "${NIXC_NAME}$1"; }
nixc_node_netns() { echo "${NIXC_NAME}-n$1"; }
nixc_node_addr() { echo "$NIXC_SUBNET.$((10 + $1))"; }
nixc_node_list() { local i; for ((i = 1; i <= NIXC_NODES; i++)); do nixc_node_name "$i"; done; }
# Slurm hostlist expression of all nodes, e.g. snx[1-2].
nixc_nodes_expr() { if [ "$NIXC_NODES" -eq 1 ]; then echo "${NIXC_NAME}1"; else echo "${NIXC_NAME}[1-$NIXC_NODES]"; fi; }

export NIXC_REPO NIXC_NAME NIXC_DIR NIXC_NODES NIXC_CPUS NIXC_USER NIXC_HOME NIXC_BRIDGE \
  NIXC_SUBNET NIXC_CTLD_PORT NIXC_SLURMD_PORT NIXC_SRUN_PORT_RANGE NIXC_PLUGIN \
  NIXC_PLUGIN_ARGS NIXC_PLUGIN_MODE NIXC_JOB_CONTAINER NIXC_NS_FLAGS NIXC_PROLOG_FLAGS NIXC_PROCTRACK \
  NIXC_DEBUG NIXC_EXTRA_CONF NIXC_SCRATCH
