// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for src/lib/fileio.c: regular files only, writes that keep what
 * the file was, the writer's lock, stale temporary files. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "zonewall/fileio.h"

static char dir[] = "/tmp/zw-fileio-XXXXXX";

static const char *at(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void put(const char *name, const char *text)
{
	tap_ok(fio_write_atomic(at(name), text, strlen(text)) == 0, "write %s", name);
}

static bool holds(const char *name, const char *text)
{
	size_t len;
	char *buf;
	bool r;

	if (fio_read_all(at(name), 1 << 20, &buf, &len))
		return false;
	r = len == strlen(text) && !memcmp(buf, text, len);
	free(buf);
	return r;
}

static void test_read_regular_only(void)
{
	char *buf = NULL;
	size_t len;

	tap_ok(mkfifo(at("fifo"), 0600) == 0, "mkfifo");
	tap_is_int(fio_read_all(at("fifo"), 100, &buf, &len), -ENXIO,
		   "a FIFO is refused (-ENXIO), without waiting for a writer");
	tap_is_str(fio_strerror(-ENXIO), "not a regular file", "and worded");
	tap_is_int(fio_read_all(dir, 100, &buf, &len), -EISDIR, "a directory: -EISDIR");
	tap_is_int(fio_read_all("/dev/null", 100, &buf, &len), -ENXIO, "a device: -ENXIO");
	tap_is_int(fio_check_writable(at("fifo")), -ENXIO, "and a FIFO cannot be written over");
	unlink(at("fifo"));
}

static void test_write_keeps_what_it_was(void)
{
	char target[256];
	struct stat st;
	ssize_t n;

	put("real.json", "one\n");
	tap_ok(symlink("real.json", at("link.json")) == 0, "symlink");
	put("link.json", "two\n");
	tap_ok(lstat(at("link.json"), &st) == 0 && S_ISLNK(st.st_mode), "a link stays a link");
	n = readlink(at("link.json"), target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	tap_is_str(target, "real.json", "to the same target");
	tap_ok(holds("real.json", "two\n"), "which got the new content");

	tap_ok(symlink("new.json", at("dangling.json")) == 0, "a link to no file yet");
	put("dangling.json", "three\n");
	tap_ok(holds("new.json", "three\n") && lstat(at("dangling.json"), &st) == 0 &&
	       S_ISLNK(st.st_mode), "is written through: its target is created");

	tap_ok(chmod(at("real.json"), 0640) == 0, "chmod 0640");
	put("real.json", "four\n");
	memset(&st, 0, sizeof(st));
	stat(at("real.json"), &st);
	tap_ok((st.st_mode & 07777) == 0640, "the mode stays (%o)",
	       (unsigned int)(st.st_mode & 07777));
	if (geteuid() == 0) {
		tap_ok(chown(at("real.json"), 65534, 65534) == 0, "chown nobody");
		put("real.json", "five\n");
		memset(&st, 0, sizeof(st));
		stat(at("real.json"), &st);
		tap_ok(st.st_uid == 65534 && st.st_gid == 65534, "owner and group stay (%u:%u)",
		       (unsigned int)st.st_uid, (unsigned int)st.st_gid);
	} else {
		tap_ok(fio_check_writable("/etc/passwd") != 0, "not root: root's file refused");
		tap_ok(1, "(not root)");
		tap_ok(1, "(not root)");
	}

	tap_ok(link(at("real.json"), at("hard.json")) == 0, "a second hard link");
	tap_is_int(fio_write_atomic(at("real.json"), "x", 1), -EMLINK,
		   "a hard-linked file is refused (-EMLINK)");
	tap_is_int(fio_check_writable(at("hard.json")), -EMLINK, "and so said beforehand");
	tap_ok(holds("hard.json", geteuid() == 0 ? "five\n" : "four\n"), "and is untouched");
	unlink(at("hard.json"));
	tap_is_int(fio_check_writable(at("nodir/x.json")), -ENOENT,
		   "a missing directory: -ENOENT beforehand");
	tap_is_int(fio_check_writable(at("absent.json")), 0, "a new file in a directory: fine");
}

static void test_stale_temporary_files(void)
{
	char name[64];
	pid_t dead = fork();

	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	snprintf(name, sizeof(name), ".s.json.zwtmp.%ld", (long)dead);
	put(name, "litter");
	snprintf(name, sizeof(name), ".s.json.zwtmp.%ld", (long)getppid());
	put(name, "a live writer's");
	put("s.json", "state\n");
	snprintf(name, sizeof(name), ".s.json.zwtmp.%ld", (long)dead);
	tap_ok(access(at(name), F_OK) < 0, "a dead writer's temporary file is removed");
	snprintf(name, sizeof(name), ".s.json.zwtmp.%ld", (long)getppid());
	tap_ok(access(at(name), F_OK) == 0, "a live one's is kept");
	unlink(at(name));
}

static void test_lock(void)
{
	struct fio_lock *l = NULL, *l2 = NULL;
	struct timespec a, b;
	int sync[2], rc;
	pid_t child, holder = 0;
	char c;

	tap_is_int(fio_lock(at("locked.json"), 0, &l, NULL), 0, "lock");
	tap_ok(access(at(".locked.json.zwlock"), F_OK) == 0, "on .NAME.zwlock beside it");
	fio_unlock(l);
	fio_unlock(NULL);

	/* Another process holds it: we wait, then give up naming it. */
	if (pipe(sync))
		return;
	child = fork();
	if (child == 0) {
		struct fio_lock *cl;

		if (fio_lock(at("locked.json"), 0, &cl, NULL) == 0 && write(sync[1], "x", 1))
			pause();
		_exit(1);
	}
	close(sync[1]);
	rc = (int)read(sync[0], &c, 1);
	close(sync[0]);
	tap_is_int(rc, 1, "a child holds the lock");
	clock_gettime(CLOCK_MONOTONIC, &a);
	rc = fio_lock(at("locked.json"), 200, &l2, &holder);
	clock_gettime(CLOCK_MONOTONIC, &b);
	tap_is_int(rc, -ETIMEDOUT, "held: -ETIMEDOUT after the wait");
	tap_ok((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 >= 190,
	       "having waited");
	tap_is_int(holder, child, "naming the holder");
	tap_is_int(fio_lock(at("other.json"), 0, &l2, NULL), 0,
		   "(another file's lock is free)");
	fio_unlock(l2);
	tap_ok(symlink("locked.json", at("alias.json")) == 0, "a link to the locked file");
	tap_is_int(fio_lock(at("alias.json"), 0, &l2, NULL), -ETIMEDOUT,
		   "shares its lock");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	tap_is_int(fio_lock(at("locked.json"), 0, &l2, NULL), 0,
		   "a dead holder's lock is free");
	fio_unlock(l2);
}

static int fill_120(struct fio_out *o, void *arg)
{
	char chunk[40];

	(void)arg;
	memset(chunk, 'x', sizeof(chunk));
	for (int i = 0; i < 3; i++)
		fio_out_write(o, chunk, sizeof(chunk));
	return 0;
}

/* What a reader would refuse for its size is neither read nor written. */
static void test_size_limits(void)
{
	char *buf = NULL, tmp[300];
	size_t len;
	int fd;

	put("capped.json", "old");
	tap_is_int(fio_write_atomic_max(at("capped.json"), 119, fill_120, NULL), -EFBIG,
		   "120 bytes into a file of at most 119: -EFBIG");
	snprintf(tmp, sizeof(tmp), "%s/.capped.json.zwtmp.%ld", dir, (long)getpid());
	tap_ok(holds("capped.json", "old") && access(tmp, F_OK) < 0,
	       "and the file is as it was, no temporary file left");
	tap_is_int(fio_write_atomic_max(at("capped.json"), 120, fill_120, NULL), 0,
		   "120 bytes into a file of at most 120");
	tap_is_int(fio_read_all(at("capped.json"), 119, &buf, &len), -EFBIG,
		   "read back with a limit of 119: -EFBIG");
	/* a sparse file of 64 GiB: refused from its size, nothing read */
	fd = open(at("huge.json"), O_WRONLY | O_CREAT, 0600);
	tap_ok(fd >= 0 && ftruncate(fd, (off_t)1 << 36) == 0, "a sparse file of 64 GiB");
	if (fd >= 0)
		close(fd);
	tap_is_int(fio_read_all(at("huge.json"), (size_t)1 << 28, &buf, &len), -EFBIG,
		   "read with a limit of 256 MiB: -EFBIG");
	unlink(at("huge.json"));
	unlink(at("capped.json"));
}

static void test_bom(void)
{
	put("bom.json", "\xef\xbb\xbf{\"version\": 1}\n");
	tap_ok(holds("bom.json", "{\"version\": 1}\n"), "a UTF-8 BOM at the start is left out");
	put("bom2.json", "\xef\xbb\xbf\xef\xbb\xbf{}");
	tap_ok(holds("bom2.json", "\xef\xbb\xbf{}"), "only one, the first");
	put("bom3.json", "\xef\xbb");
	tap_ok(holds("bom3.json", "\xef\xbb"), "a part of one stays");
	tap_ok(fio_bom_len("\xef\xbb\xbfx", 4) == 3 && fio_bom_len("\xef\xbb\xbf", 2) == 0,
	       "fio_bom_len() looks within the length only");
}

int main(void)
{
	char cmd[64];

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_read_regular_only();
	test_bom();
	test_write_keeps_what_it_was();
	test_stale_temporary_files();
	test_lock();
	test_size_limits();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		tap_ok(0, "cleanup");
	return tap_done();
}
