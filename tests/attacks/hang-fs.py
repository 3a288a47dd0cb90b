#!/usr/bin/python3
# A file system that stops answering, for fault tests (issue 10): a store
# directory (owned by UID:GID, holding an empty store/) served by this
# process. Stop the process (SIGSTOP) and the file system stops answering,
# as a store on a server that went away would: a lookup then waits until
# the process goes on, or the looker is killed. Run as root:
#   hang-fs.py MOUNTPOINT UID GID
# stays in the foreground; stop it by pid after unmounting.
import errno
import stat
import sys
import time

from fusepy import FUSE, FuseOSError, Operations


class Store(Operations):
    def __init__(self, uid, gid):
        self.uid, self.gid = uid, gid

    def getattr(self, path, fh=None):
        if path not in ("/", "/store"):
            raise FuseOSError(errno.ENOENT)
        now = time.time()
        return dict(st_mode=stat.S_IFDIR | 0o755, st_nlink=2, st_uid=self.uid,
                    st_gid=self.gid, st_size=0, st_atime=now, st_mtime=now, st_ctime=now)

    def readdir(self, path, fh):
        return [".", "..", "store"] if path == "/" else [".", ".."]


if __name__ == "__main__":
    mnt, uid, gid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    FUSE(Store(uid, gid), mnt, foreground=True, allow_other=True, ro=True,
         attr_timeout=0, entry_timeout=0)
