/* Ping-pong between ranks 0 and 1 (run with exactly 2 ranks, usually on one
 * node) at sizes MIN..MAX bytes (powers of two), with verified data.
 *
 *   pingpong [-m MIN] [-M MAX] [-t SECONDS_PER_SIZE] [-i ITERS] [-r REPEATS]
 *
 * -r times each size REPEATS times (default 1) and reports the fastest: on
 * a shared machine a run can only be slowed down by others, never sped up.
 *
 * Rank 0 prints one line per size as soon as it completes:
 *   pingpong size=4194304 iters=20 usec=... MBps=1234.5 verified=ok
 * A size that does not complete within the timeout prints
 *   pingpong size=4194304 timeout
 * and the program exits 124 (the alarm fires in every rank). Any data
 * mismatch prints verified=BAD and exits 2. Exit 0 means every size ran and
 * verified. The first line is "pingpong ranks=2 userns=<inode> mntns=<inode>"
 * for each rank (prefixed with the rank), so a caller can see the namespaces.
 */
#include <mpi.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile long cur_size;
static int my_rank;

static void on_alarm(int sig)
{
    char buf[128];
    int n;
    (void)sig;
    if (my_rank == 0) {
        n = snprintf(buf, sizeof buf, "pingpong size=%ld timeout\n", cur_size);
        if (n > 0)
            (void)!write(1, buf, (size_t)n);
    }
    _exit(124);
}

static unsigned long ns_ino(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static void fill(unsigned char *b, long n, unsigned seed)
{
    for (long i = 0; i < n; i++)
        b[i] = (unsigned char)((i * 131u + seed * 7u + (unsigned)(i >> 12)) & 0xff);
}

static int check(const unsigned char *b, long n, unsigned seed)
{
    for (long i = 0; i < n; i++)
        if (b[i] != (unsigned char)((i * 131u + seed * 7u + (unsigned)(i >> 12)) & 0xff))
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    long min = 1024, max = 16L << 20;
    int timeout = 20, fixed_iters = 0, repeats = 1, opt, size;
    char host[256] = "";

    while ((opt = getopt(argc, argv, "m:M:t:i:r:")) != -1) {
        switch (opt) {
        case 'm': min = atol(optarg); break;
        case 'M': max = atol(optarg); break;
        case 't': timeout = atoi(optarg); break;
        case 'i': fixed_iters = atoi(optarg); break;
        case 'r': repeats = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
        default:
            fprintf(stderr, "usage: pingpong [-m MIN] [-M MAX] [-t SEC] [-i ITERS] [-r REPEATS]\n");
            return 64;
        }
    }
    signal(SIGALRM, on_alarm);
    alarm((unsigned)timeout + 30); /* MPI_Init itself must not hang forever */
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 2) {
        if (my_rank == 0)
            fprintf(stderr, "pingpong: needs exactly 2 ranks, got %d\n", size);
        MPI_Abort(MPI_COMM_WORLD, 64);
    }
    gethostname(host, sizeof host - 1);
    printf("rank=%d host=%s userns=%lu mntns=%lu\n", my_rank, host,
           ns_ino("/proc/self/ns/user"), ns_ino("/proc/self/ns/mnt"));
    fflush(stdout);

    unsigned char *sbuf = malloc((size_t)max), *rbuf = malloc((size_t)max);
    if (!sbuf || !rbuf) {
        fprintf(stderr, "pingpong: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    int rc = 0;
    for (long n = min; n <= max; n *= 2) {
        cur_size = n;
        alarm((unsigned)timeout);
        /* about 64 MiB moved per size, between 10 and 1000 round trips */
        int iters = fixed_iters ? fixed_iters : (int)((64L << 20) / n);
        if (iters < 10) iters = 10;
        if (iters > 1000) iters = 1000;
        int ok = 1;
        unsigned seed = (unsigned)(n / 1024);
        /* warm-up round trip, with verification both ways */
        if (my_rank == 0) {
            fill(sbuf, n, seed);
            MPI_Send(sbuf, (int)n, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
            MPI_Recv(rbuf, (int)n, MPI_BYTE, 1, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            ok = check(rbuf, n, seed + 1);
        } else {
            MPI_Recv(rbuf, (int)n, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            ok = check(rbuf, n, seed);
            fill(sbuf, n, seed + 1);
            MPI_Send(sbuf, (int)n, MPI_BYTE, 0, 2, MPI_COMM_WORLD);
        }
        int all_ok;
        MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
        double dt = 0;
        for (int rep = 0; rep < repeats; rep++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            for (int i = 0; i < iters; i++) {
                if (my_rank == 0) {
                    MPI_Send(sbuf, (int)n, MPI_BYTE, 1, 3, MPI_COMM_WORLD);
                    MPI_Recv(rbuf, (int)n, MPI_BYTE, 1, 4, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                } else {
                    MPI_Recv(rbuf, (int)n, MPI_BYTE, 0, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                    MPI_Send(sbuf, (int)n, MPI_BYTE, 0, 4, MPI_COMM_WORLD);
                }
            }
            double t = MPI_Wtime() - t0;
            if (rep == 0 || t < dt)
                dt = t;
        }
        /* the last message received must still be the peer's pattern */
        if (my_rank == 0)
            all_ok = all_ok && check(rbuf, n, seed + 1);
        if (my_rank == 0) {
            double usec = dt / iters / 2 * 1e6; /* one-way time */
            double mbps = (double)n / (usec > 0 ? usec : 1e-9); /* bytes/usec = MB/s */
            printf("pingpong size=%ld iters=%d usec=%.2f MBps=%.1f verified=%s\n", n, iters,
                   usec, mbps, all_ok ? "ok" : "BAD");
            fflush(stdout);
        }
        if (!all_ok)
            rc = 2;
    }
    alarm(0);
    free(sbuf);
    free(rbuf);
    MPI_Finalize();
    return rc;
}
