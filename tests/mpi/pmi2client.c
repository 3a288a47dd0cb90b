/* A PMI-2 client linked with Slurm's libpmi2 (libpmi2-0-dev), for
 * `srun --mpi=pmi2`. It checks that PMI_FD is an inherited socket, runs
 * PMI2_Init, puts a key, fences, reads every other rank's key (also across
 * nodes), and prints
 *   pmi2 rank=R size=S appnum=A fd=socket kvs=ok host=H userns=I mntns=J
 * Exit 0 iff all of that worked; any failure prints "pmi2 FAIL: ..." and
 * exits 1. Times out after 60 s (exit 124).
 */
#include <slurm/pmi2.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void on_alarm(int sig)
{
    static const char m[] = "pmi2 FAIL: timeout\n";
    (void)sig;
    (void)!write(1, m, sizeof m - 1);
    _exit(124);
}

static unsigned long ns_ino(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

#define FAIL(...) do { printf("pmi2 FAIL: " __VA_ARGS__); printf("\n"); fflush(stdout); return 1; } while (0)

int main(void)
{
    int spawned = 0, size = 0, rank = -1, appnum = -1, rc;
    char host[256] = "", key[64], val[PMI2_MAX_VALLEN], jobid[PMI2_MAX_VALLEN];
    struct stat st;
    const char *fd_s = getenv("PMI_FD");

    signal(SIGALRM, on_alarm);
    alarm(60);
    gethostname(host, sizeof host - 1);
    if (!fd_s || !*fd_s)
        FAIL("PMI_FD is not set (not launched with srun --mpi=pmi2?)");
    int fd = atoi(fd_s);
    if (fstat(fd, &st) != 0)
        FAIL("PMI_FD=%d: fstat: %s (fd closed?)", fd, strerror(errno));
    if (!S_ISSOCK(st.st_mode))
        FAIL("PMI_FD=%d is not a socket (mode %o)", fd, (unsigned)st.st_mode);

    if ((rc = PMI2_Init(&spawned, &size, &rank, &appnum)) != PMI2_SUCCESS)
        FAIL("PMI2_Init: %d", rc);
    if (size < 1 || rank < 0 || rank >= size)
        FAIL("bad rank %d / size %d", rank, size);
    if ((rc = PMI2_Job_GetId(jobid, sizeof jobid)) != PMI2_SUCCESS)
        FAIL("PMI2_Job_GetId: %d", rc);
    snprintf(key, sizeof key, "spank-nix-%d", rank);
    snprintf(val, sizeof val, "from-%d-on-%s", rank, host);
    if ((rc = PMI2_KVS_Put(key, val)) != PMI2_SUCCESS)
        FAIL("PMI2_KVS_Put: %d", rc);
    if ((rc = PMI2_KVS_Fence()) != PMI2_SUCCESS)
        FAIL("PMI2_KVS_Fence: %d", rc);
    for (int r = 0; r < size; r++) {
        char got[PMI2_MAX_VALLEN];
        int len = 0;
        snprintf(key, sizeof key, "spank-nix-%d", r);
        if ((rc = PMI2_KVS_Get(jobid, PMI2_ID_NULL, key, got, sizeof got, &len)) != PMI2_SUCCESS)
            FAIL("PMI2_KVS_Get(%s): %d", key, rc);
        char want_prefix[64];
        snprintf(want_prefix, sizeof want_prefix, "from-%d-on-", r);
        if (strncmp(got, want_prefix, strlen(want_prefix)) != 0)
            FAIL("key %s has value '%s'", key, got);
    }
    printf("pmi2 rank=%d size=%d appnum=%d fd=socket kvs=ok host=%s userns=%lu mntns=%lu\n", rank,
           size, appnum, host, ns_ino("/proc/self/ns/user"), ns_ino("/proc/self/ns/mnt"));
    fflush(stdout);
    if ((rc = PMI2_Finalize()) != PMI2_SUCCESS)
        FAIL("PMI2_Finalize: %d", rc);
    return 0;
}
