#!/bin/bash
# bench/task-probe.sh: what one task sees that could touch MPI's data path (status
# bits, ids, cgroup, limits, affinity, THP, mounts of /tmp /dev/shm, env).
# Run it as a bare and as a --nix-store task and diff the two outputs.
echo "== status"; grep -E '^(Seccomp|Seccomp_filters|NoNewPrivs|Speculation_Store_Bypass|SpeculationIndirectBranch|Cpus_allowed_list|Mems_allowed_list|CapInh|CapPrm|CapEff|CapBnd|CapAmb|THP_enabled|untag_mask|x86_Thread_features)' /proc/self/status
echo "== ids"; id; readlink /proc/self/ns/user /proc/self/ns/mnt /proc/self/ns/pid /proc/self/ns/ipc
cat /proc/self/uid_map
echo "== cgroup"; cat /proc/self/cgroup
echo "== limits"; cat /proc/self/limits
echo "== affinity"; taskset -pc $$
echo "== thp"; cat /sys/kernel/mm/transparent_hugepage/enabled
echo "== mounts"; for d in /tmp /dev/shm /var/tmp /dev /proc /sys "${TMPDIR:-/tmp}"; do findmnt -no TARGET,SOURCE,FSTYPE,OPTIONS -T "$d"; done
echo "== nice/sched"; grep -E 'policy|prio' /proc/self/sched 2>/dev/null; ps -o ni=,cls=,pri= -p $$
echo "== oom"; cat /proc/self/oom_score_adj
echo "== env"; env | sort | grep -v -E '^(SLURM_JOB_ID|SLURM_JOBID|SLURM_STEP_ID|SLURM_STEPID|SLURM_TASK_PID|SLURM_LAUNCH_NODE_IPADDR|SLURM_SRUN_COMM_PORT|SLURM_STEP_LAUNCHER_PORT|SLURM_PROCID|SLURM_LOCALID|SLURM_GTIDS|PMIX_|OMPI_MCA_orte|_=|SLURM_NODEID|PWD)' 
