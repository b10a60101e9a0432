/*
 * uffd-conform: run a conformance script on the real kernel's userfaultfd and
 * print what happened as JSON on stdout. Part of uffd-mc's conformance suite
 * (conformance/index.ts writes the scripts, from the same scenarios the model
 * runs, and compares the two transcripts).
 *
 * Build: cc -O1 -pthread -o uffd-conform runner.c
 * Use:   uffd-conform < script      run a script (exit 0; 2 on a bad script or failed setup)
 *        uffd-conform --probe       can this process use userfaultfd? (exit 0, or 3 and a one-line reason on stdout)
 *
 * SCRIPT FORMAT: one command per line, words separated by blanks; empty lines
 * and lines starting with '#' are ignored. Names are [A-Za-z0-9_.-]+, numbers
 * are decimal unless written 0x..., pages are counted inside their area.
 * Declarations come first, then the schedule:
 *
 *   area NAME anon|shmem|shmem-private|hugetlb|hugetlb-shared PAGES [unmapped] [file=AREA]
 *                                     mmap MAP_PRIVATE|MAP_ANONYMOUS (anon), MAP_SHARED|MAP_ANONYMOUS
 *                                     (shmem), MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB (hugetlb) or
 *                                     MAP_SHARED|MAP_ANONYMOUS|MAP_HUGETLB (hugetlb-shared: a hugetlbfs
 *                                     file with a page cache); shmem-private maps a memfd MAP_PRIVATE.
 *                                     "file=AREA" maps the file of the earlier area AREA (same kind of
 *                                     file) at offset 0: such files are memfds (MFD_HUGETLB for
 *                                     hugetlb) as long as the largest mapping; hugetlb pages are 2 MiB huge pages, and
 *                                     page numbers in that area count huge pages; areas are laid out in order with an unmapped guard
 *                                     page after each, so they never merge. "unmapped": the address
 *                                     range is reserved for the layout but unmapped just before the
 *                                     first "run" (a target for mremap MREMAP_FIXED)
 *   uffd NAME NONBLOCK                userfaultfd(O_CLOEXEC [| O_NONBLOCK if NONBLOCK is 1])
 *   setup-api UFFD FEATURES           UFFDIO_API during setup (must succeed)
 *   setup-register UFFD AREA FIRST PAGES MODES    UFFDIO_REGISTER during setup (must succeed);
 *                                     MODES is the UFFDIO_REGISTER_MODE_* mask (1 = MISSING)
 *   thread NAME                       a thread; the "op" lines that follow are its program, in order
 *   op read AREA PAGE                 read the page (every byte: value is the byte if the page is uniform, else -1)
 *   op write AREA PAGE BYTE           write BYTE to every byte of the page (value: byte 0 read back)
 *   op api UFFD FEATURES              UFFDIO_API (out: features, hex)
 *   op register UFFD AREA FIRST PAGES MODES       UFFDIO_REGISTER (out: ioctls, hex)
 *   op unregister UFFD AREA FIRST PAGES           UFFDIO_UNREGISTER
 *   op wake UFFD AREA FIRST PAGES                 UFFDIO_WAKE
 *   op copy UFFD AREA PAGE PAGES BYTE DONTWAKE WAKE_ON_EEXIST
 *                                     UFFDIO_COPY from a source filled with BYTE (out: copy, signed);
 *                                     DONTWAKE 1 sets UFFDIO_COPY_MODE_DONTWAKE; WAKE_ON_EEXIST 1
 *                                     follows an EEXIST with UFFDIO_WAKE of the same range (a second entry)
 *   op zeropage UFFD AREA PAGE PAGES DONTWAKE WAKE_ON_EEXIST    UFFDIO_ZEROPAGE likewise (out: zeropage)
 *   op close UFFD                     close(2)
 *   op read_msgs UFFD MAX             read(2) with room for MAX struct uffd_msg (ret: messages read)
 *   op munmap AREA FIRST PAGES        munmap(2)
 *   op madvise AREA FIRST PAGES ADVICE            madvise(2) with ADVICE (a number: 4 DONTNEED, 9 REMOVE)
 *   op mremap AREA FIRST PAGES NEW_PAGES FLAGS TO_AREA TO_FIRST
 *                                     mremap(2) of the range to NEW_PAGES pages with FLAGS (1 MAYMOVE,
 *                                     2 FIXED, 4 DONTUNMAP, any number); TO_AREA TO_FIRST is the
 *                                     new_address ("-" 0: none, passed as 0) (out: the new address
 *                                     as "AREA[PAGE]", "?" if in no area)
 *   op fork                           the raw fork syscall; the child only sleeps until the runner ends
 *                                     (out: null; the parent's return value is not recorded)
 *   op raw UFFD CMD AREA OFFSET LEN MODE BYTE
 *                                     an ioctl with raw values: CMD is register, unregister, wake, copy,
 *                                     zeropage, continue or writeprotect; the range starts OFFSET bytes
 *                                     (signed) from AREA's start and is LEN bytes long; MODE is the mode
 *                                     field; copy reads from a source filled with BYTE
 *   run THREAD                        let THREAD run its next operations until it is blocked in the
 *                                     kernel or has finished its program (2 s limit: ret "timeout")
 *
 * Every thread is a pthread that runs an operation only while it holds the
 * turn; "run" hands it the turn and takes it back when the thread sleeps in
 * the kernel during an operation (its /proc/self/task/TID/stat state is 'S',
 * or 'D' for the TASK_KILLABLE sleep of userfaultfd_event_wait_completion(),
 * in a few consecutive samples) or exits. A thread woken while it does not
 * hold the turn (by another thread's COPY, WAKE, UNREGISTER, close) finishes
 * the operation it was blocked in and then waits for its next turn: that is
 * the model's schedule, "run each named thread until it blocks or exits".
 *
 * OUTPUT: {"entries":[...],"final":[...]}. After each "run", the operations
 * the thread completed since its last turn, in program order, then a "turn"
 * entry saying how the turn ended:
 *   {"thread":T,"index":I,"op":OP,"ret":R,"value":V,"out":O,"msgs":M}
 *   ret: "0" or an errno name (ioctls, close), "ok" or "SIGSEGV"/"SIGBUS" (accesses),
 *        the number of messages or an errno name (read_msgs),
 *        "blocked" (index: the operation it sleeps in), "exited" or "timeout" (turn)
 *   value: the byte read or written (accesses), else null
 *   out: copy/zeropage field as a signed number, UFFDIO_API features or UFFDIO_REGISTER
 *        ioctls as "0x..." text; null if the kernel did not write the field
 *   msgs (read_msgs), one object per message, addresses as {"area":A,"page":P} (P counted in the
 *        area's pages; an exclusive end may be the page one past the area; {"area":null,"page":-1}
 *        if in no area):
 *        {"event":"UFFD_EVENT_PAGEFAULT","area":A,"page":P,"flags":F}
 *        {"event":"UFFD_EVENT_UNMAP"|"UFFD_EVENT_REMOVE","start":ADDR,"end":ADDR}
 *        {"event":"UFFD_EVENT_REMAP","from":ADDR,"to":ADDR,"len":PAGES (4 KiB pages)}
 *        {"event":"UFFD_EVENT_FORK","ufd":"fd"} ("fd": a new descriptor that is open in this process)
 * "final": per thread at the end, {"thread":T,"state":"exited"|"blocked"|"runnable","index":I|null}.
 * On a bad script or a failed setup step: {"error":"..."} and exit 2.
 * A thread that gets SIGSEGV/SIGBUS in an access ends there (the model ends it too).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG 4096UL
#define MAXN 32      /* areas, uffds, threads */
#define MAXOPS 64    /* operations per thread */
#define MAXENT 160   /* entries per thread */
#define MAXMSG 16    /* messages per read */
#define MAXLOG 1024  /* entries in the transcript */
#define MAXPAGES 64  /* pages per area (the scenario format's limit) */
#define TURN_LIMIT 2.0
#define SENTINEL 0x5a5a5a5a5a5a5a5aULL
#define HPG (2UL << 20) /* x86-64 huge page (hugetlb areas) */
#define SRC_SIZE (4UL << 20) /* each thread's UFFDIO_COPY source buffer */

enum kind { K_READ, K_WRITE, K_API, K_REGISTER, K_UNREGISTER, K_WAKE, K_COPY, K_ZEROPAGE, K_CLOSE, K_READ_MSGS,
            K_MUNMAP, K_MADVISE, K_MREMAP, K_FORK, K_RAW, K_NKINDS };
static const char *kind_name[] = { "read", "write", "api", "register", "unregister", "wake", "copy", "zeropage", "close", "read_msgs",
                                   "munmap", "madvise", "mremap", "fork", "raw" };
/* Words per op line, "op" and the kind included. */
static const int arity[] = { 4, 5, 4, 7, 6, 6, 9, 8, 3, 4, 5, 6, 9, 2, 9 };

enum kindof { A_ANON, A_SHMEM, A_HUGETLB };
struct area { char name[40]; enum kindof kind; int shared; int pages; int unmapped; int file; int fd; char *base; size_t unit; };
struct uffd { char name[40]; int nonblock; int fd; };
struct op {
  enum kind kind; int uffd, area, first, pages, byte, dontwake, wake_eexist, max; uint64_t features, modes;
  int new_pages, to_area, to_first, advice; unsigned long mflags;    /* munmap, madvise, mremap */
  int cmd; long long offset; uint64_t len;                           /* raw */
};
/* A message: the event and up to three addresses/values; a = -2 for a length in pages. */
struct addr { int area; long page; };
struct msg { unsigned event; unsigned long long flags; struct addr at[3]; long len; int ufd; };
enum rawcmd { R_REGISTER, R_UNREGISTER, R_WAKE, R_COPY, R_ZEROPAGE, R_CONTINUE, R_WRITEPROTECT, R_NCMDS };
static const char *raw_name[] = { "register", "unregister", "wake", "copy", "zeropage", "continue", "writeprotect" };
struct entry {
  int index; const char *op; char ret[24];
  int has_value; long long value;
  int out_kind; long long out_num; unsigned long long out_hex;   /* out_kind: 0 null, 1 number, 2 hex, 3 address */
  struct addr out_addr;
  int nmsgs; struct msg msgs[MAXMSG];
};
struct thr {
  char name[40]; pthread_t th; int idx;
  int nops; struct op ops[MAXOPS];
  int tid; int statfd; char *src;
  int in_op;       /* operation in progress, -1 between operations (atomic) */
  int finished;    /* program done (atomic) */
  int nent;        /* entries recorded (atomic) */
  int emitted;     /* entries already in the transcript (main thread only) */
  struct entry ent[MAXENT];
};
struct logrec { int thread; int entry; const char *turn; int turn_index; };
struct setup { int is_register; int uffd, area, first, pages; uint64_t features, modes; };

static struct area areas[MAXN]; static int nareas;
static struct uffd uffds[MAXN]; static int nuffds;
static struct thr *thrs[MAXN]; static int nthrs;
static struct setup setups[MAXN * 4]; static int nsetups;
static int runs[4096]; static int nruns;
static pid_t children[MAXN]; static int nchildren;
static struct logrec logv[MAXLOG]; static int nlog;

static pthread_mutex_t turn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_cv = PTHREAD_COND_INITIALIZER;
static int turn = -1;

static __thread sigjmp_buf *fault_jmp;

static void fail(const char *fmt, ...) {
  char buf[512]; va_list ap; va_start(ap, fmt); vsnprintf(buf, sizeof buf, fmt, ap); va_end(ap);
  printf("{\"error\":\"");
  for (char *c = buf; *c; c++) { if (*c == '"' || *c == '\\') putchar('\\'); putchar(*c >= 32 ? *c : ' '); }
  printf("\"}\n");
  fflush(stdout);
  _exit(2);
}

static const char *errname(int e) {
  switch (e) {
  case EPERM: return "EPERM"; case ENOENT: return "ENOENT"; case ESRCH: return "ESRCH"; case EINTR: return "EINTR";
  case EBADF: return "EBADF"; case EAGAIN: return "EAGAIN"; case ENOMEM: return "ENOMEM"; case EFAULT: return "EFAULT";
  case EBUSY: return "EBUSY"; case EEXIST: return "EEXIST"; case EINVAL: return "EINVAL"; case ENOTTY: return "ENOTTY";
  case ENOSPC: return "ENOSPC"; case ENOSYS: return "ENOSYS"; case EOPNOTSUPP: return "EOPNOTSUPP"; case ESPIPE: return "ESPIPE";
  default: { static __thread char b[16]; snprintf(b, sizeof b, "E%d", e); return b; }
  }
}

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static int new_uffd(int flags, int *err) {
  int fd = (int)syscall(SYS_userfaultfd, flags);
  if (fd >= 0) return fd;
  *err = errno;
  /* Where the syscall is refused to unprivileged users, /dev/userfaultfd may still be allowed. */
  int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
  if (dev < 0) return -1;
  fd = ioctl(dev, USERFAULTFD_IOC_NEW, flags);
  close(dev);
  return fd;
}

/* ---------------------------------------------------------------- parsing */

static int find(const char *kind, const char *name) {
  if (!strcmp(kind, "area")) { for (int i = 0; i < nareas; i++) if (!strcmp(areas[i].name, name)) return i; }
  else if (!strcmp(kind, "uffd")) { for (int i = 0; i < nuffds; i++) if (!strcmp(uffds[i].name, name)) return i; }
  else { for (int i = 0; i < nthrs; i++) if (!strcmp(thrs[i]->name, name)) return i; }
  fail("no %s named %s", kind, name);
  return -1;
}

static long num(const char *s, int line) {
  if (s == NULL) fail("line %d: missing number", line);
  char *end; errno = 0;
  long v = strtol(s, &end, 0);
  if (*end || errno) fail("line %d: bad number %s", line, s);
  return v;
}
static uint64_t unum(const char *s, int line) {
  if (s == NULL) fail("line %d: missing number", line);
  char *end; errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (*end || errno) fail("line %d: bad number %s", line, s);
  return v;
}
static void copy_name(char *dst, const char *src, int line) {
  if (src == NULL || strlen(src) >= 40) fail("line %d: missing or long name", line);
  for (const char *c = src; *c; c++)
    if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '.' || *c == '-'))
      fail("line %d: bad name %s", line, src);
  strcpy(dst, src);
}
static void check_range(int area, long first, long pages, int line) {
  if (first < 0 || pages < 1 || first + pages > areas[area].pages) fail("line %d: range outside area %s", line, areas[area].name);
}

static void parse(FILE *in) {
  char buf[512]; int line = 0; struct thr *cur = NULL;
  while (fgets(buf, sizeof buf, in)) {
    line++;
    char *w[12]; int n = 0;
    for (char *tok = strtok(buf, " \t\r\n"); tok && n < 12; tok = strtok(NULL, " \t\r\n")) w[n++] = tok;
    for (int i = n; i < 12; i++) w[i] = NULL;
    if (n == 0 || w[0][0] == '#') continue;
    if (!strcmp(w[0], "area")) {
      if (nareas == MAXN || n < 4 || n > 6) fail("line %d: area NAME anon|shmem|shmem-private|hugetlb|hugetlb-shared PAGES [unmapped] [file=AREA]", line);
      struct area *a = &areas[nareas];
      copy_name(a->name, w[1], line);
      if (!strcmp(w[2], "anon")) a->kind = A_ANON;
      else if (!strcmp(w[2], "shmem")) { a->kind = A_SHMEM; a->shared = 1; }
      else if (!strcmp(w[2], "shmem-private")) a->kind = A_SHMEM;
      else if (!strcmp(w[2], "hugetlb")) a->kind = A_HUGETLB;
      else if (!strcmp(w[2], "hugetlb-shared")) { a->kind = A_HUGETLB; a->shared = 1; }
      else fail("line %d: kind %s", line, w[2]);
      a->unit = a->kind == A_HUGETLB ? HPG : PG;
      a->file = -1; a->fd = -1;
      for (int i = 4; i < n; i++) {
        if (!strcmp(w[i], "unmapped")) a->unmapped = 1;
        else if (!strncmp(w[i], "file=", 5)) {
          a->file = find("area", w[i] + 5);
          if (a->file >= nareas || areas[a->file].kind != a->kind || a->kind == A_ANON || areas[a->file].file >= 0)
            fail("line %d: file=%s must name an earlier shmem/hugetlb area of the same kind with a file of its own", line, w[i] + 5);
        } else fail("line %d: %s is neither unmapped nor file=AREA", line, w[i]);
      }
      nareas++;
      a->pages = (int)num(w[3], line);
      if (a->pages < 1 || a->pages > MAXPAGES) fail("line %d: pages", line);
    } else if (!strcmp(w[0], "uffd")) {
      if (nuffds == MAXN || n != 3) fail("line %d: uffd NAME NONBLOCK", line);
      struct uffd *u = &uffds[nuffds++];
      copy_name(u->name, w[1], line);
      u->nonblock = (int)num(w[2], line);
      u->fd = -1;
    } else if (!strcmp(w[0], "setup-api") || !strcmp(w[0], "setup-register")) {
      if (nsetups == MAXN * 4) fail("line %d: too many setup steps", line);
      struct setup *s = &setups[nsetups++];
      s->is_register = w[0][6] == 'r';
      if (!s->is_register) {
        if (n != 3) fail("line %d: setup-api UFFD FEATURES", line);
        s->uffd = find("uffd", w[1]); s->features = unum(w[2], line);
      } else {
        if (n != 6) fail("line %d: setup-register UFFD AREA FIRST PAGES MODES", line);
        s->uffd = find("uffd", w[1]); s->area = find("area", w[2]);
        s->first = (int)num(w[3], line); s->pages = (int)num(w[4], line); s->modes = unum(w[5], line);
        check_range(s->area, s->first, s->pages, line);
      }
    } else if (!strcmp(w[0], "thread")) {
      if (nthrs == MAXN || n != 2) fail("line %d: thread NAME", line);
      cur = calloc(1, sizeof *cur);
      copy_name(cur->name, w[1], line);
      cur->idx = nthrs; cur->in_op = -1; cur->statfd = -1;
      thrs[nthrs++] = cur;
    } else if (!strcmp(w[0], "op")) {
      if (cur == NULL || cur->nops == MAXOPS || n < 2) fail("line %d: op outside a thread or too many", line);
      struct op *o = &cur->ops[cur->nops++];
      memset(o, 0, sizeof *o);
      int k = -1;
      for (int i = 0; i < K_NKINDS; i++) if (!strcmp(w[1], kind_name[i])) k = i;
      if (k < 0) fail("line %d: unknown op %s", line, w[1]);
      o->kind = (enum kind)k;
      if (n != arity[k]) fail("line %d: %s takes %d words", line, w[1], arity[k]);
      switch (o->kind) {
      case K_READ: case K_WRITE:
        o->area = find("area", w[2]); o->first = (int)num(w[3], line); o->pages = 1;
        check_range(o->area, o->first, 1, line);
        if (o->kind == K_WRITE) { o->byte = (int)num(w[4], line); if (o->byte < 0 || o->byte > 255) fail("line %d: byte", line); }
        break;
      case K_API: o->uffd = find("uffd", w[2]); o->features = unum(w[3], line); break;
      case K_REGISTER: case K_UNREGISTER: case K_WAKE:
        o->uffd = find("uffd", w[2]); o->area = find("area", w[3]);
        o->first = (int)num(w[4], line); o->pages = (int)num(w[5], line);
        check_range(o->area, o->first, o->pages, line);
        if (o->kind == K_REGISTER) o->modes = unum(w[6], line);
        break;
      case K_COPY: case K_ZEROPAGE: {
        int j = 2;
        o->uffd = find("uffd", w[j++]); o->area = find("area", w[j++]);
        o->first = (int)num(w[j++], line); o->pages = (int)num(w[j++], line);
        check_range(o->area, o->first, o->pages, line);
        if (o->kind == K_COPY) { o->byte = (int)num(w[j++], line); if (o->byte < 0 || o->byte > 255) fail("line %d: byte", line); }
        if ((size_t)o->pages * areas[o->area].unit > SRC_SIZE) fail("line %d: copy longer than the source buffer", line);
        o->dontwake = (int)num(w[j++], line); o->wake_eexist = (int)num(w[j++], line);
        break;
      }
      case K_CLOSE: o->uffd = find("uffd", w[2]); break;
      case K_READ_MSGS:
        o->uffd = find("uffd", w[2]); o->max = (int)num(w[3], line);
        if (o->max < 1 || o->max > MAXMSG) fail("line %d: max", line);
        break;
      case K_MUNMAP: case K_MADVISE: case K_MREMAP:
        o->area = find("area", w[2]); o->first = (int)num(w[3], line); o->pages = (int)num(w[4], line);
        check_range(o->area, o->first, o->pages, line);
        if (o->kind == K_MADVISE) o->advice = (int)num(w[5], line);
        if (o->kind == K_MREMAP) {
          o->new_pages = (int)num(w[5], line); o->mflags = (unsigned long)unum(w[6], line);
          if (o->new_pages < 0 || o->new_pages > MAXPAGES) fail("line %d: new pages", line);
          o->to_area = strcmp(w[7], "-") ? find("area", w[7]) : -1; o->to_first = (int)num(w[8], line);
          if (o->to_area >= 0) check_range(o->to_area, o->to_first, 1, line);
        }
        break;
      case K_FORK: break;
      case K_RAW:
        o->uffd = find("uffd", w[2]);
        o->cmd = -1;
        for (int i = 0; i < R_NCMDS; i++) if (!strcmp(w[3], raw_name[i])) o->cmd = i;
        if (o->cmd < 0) fail("line %d: raw command %s", line, w[3]);
        o->area = find("area", w[4]); o->offset = num(w[5], line); o->len = unum(w[6], line); o->modes = unum(w[7], line);
        o->byte = (int)num(w[8], line);
        if (o->byte < 0 || o->byte > 255) fail("line %d: byte", line);
        break;
      default: break;
      }
    } else if (!strcmp(w[0], "run")) {
      if (nruns == (int)(sizeof runs / sizeof runs[0]) || n != 2) fail("line %d: run THREAD", line);
      runs[nruns++] = find("thread", w[1]);
    } else {
      fail("line %d: unknown command %s", line, w[0]);
    }
  }
}

/* ---------------------------------------------------------------- operations */

static char *page_addr(int area, int page) { return areas[area].base + (size_t)page * areas[area].unit; }

/* The area and page of an address; `end` also accepts the address one past an area (an exclusive end). */
static struct addr where(unsigned long long addr, int end) {
  for (int i = 0; i < nareas; i++) {
    unsigned long long b = (uintptr_t)areas[i].base, e = b + (unsigned long long)areas[i].pages * areas[i].unit;
    if (addr >= b && (addr < e || (end && addr == e))) return (struct addr){ i, (long)((addr - b) / areas[i].unit) };
  }
  return (struct addr){ -1, -1 };
}

static void on_fault_signal(int sig) {
  if (fault_jmp) siglongjmp(*fault_jmp, sig);
  signal(sig, SIG_DFL);
  raise(sig);
}

static struct entry *new_entry(struct thr *t, int index, const char *op) {
  if (t->nent == MAXENT) fail("too many entries for thread %s", t->name);
  struct entry *e = &t->ent[t->nent];
  memset(e, 0, sizeof *e);
  e->index = index; e->op = op;
  return e;
}
static void commit(struct thr *t) { __atomic_store_n(&t->nent, t->nent + 1, __ATOMIC_SEQ_CST); }
static void set_ret(struct entry *e, int rc, int err) { snprintf(e->ret, sizeof e->ret, "%s", rc < 0 ? errname(err) : "0"); }

/* The memory access of a read or write operation; returns 0, or the signal it got. */
static int touch(const struct op *o, long long *value) {
  volatile unsigned char *p = (volatile unsigned char *)page_addr(o->area, o->first);
  sigjmp_buf jb;
  int sig = sigsetjmp(jb, 1);
  if (sig != 0) { fault_jmp = NULL; return sig; }
  fault_jmp = &jb;
  if (o->kind == K_READ) {
    unsigned char v = p[0];
    *value = v;
    for (size_t j = 1; j < PG; j++) if (p[j] != v) { *value = -1; break; }
  } else {
    p[0] = (unsigned char)o->byte;
    for (size_t j = 1; j < PG; j++) p[j] = (unsigned char)o->byte;
    *value = p[0];
  }
  fault_jmp = NULL;
  return 0;
}

/* Run operation i of thread t; returns 0, or 1 if the thread must end (a fatal signal). */
static int do_op(struct thr *t, int i) {
  struct op *o = &t->ops[i];
  int fd = o->kind == K_READ || o->kind == K_WRITE || o->kind == K_MUNMAP || o->kind == K_MADVISE || o->kind == K_MREMAP || o->kind == K_FORK
           ? -1 : uffds[o->uffd].fd;
  struct entry *e = new_entry(t, i, kind_name[o->kind]);
  switch (o->kind) {
  case K_READ: case K_WRITE: {
    long long value;
    int sig = touch(o, &value);
    if (sig != 0) {
      snprintf(e->ret, sizeof e->ret, "%s", sig == SIGBUS ? "SIGBUS" : "SIGSEGV");
      commit(t);
      return 1;
    }
    e->value = value;
    e->has_value = 1;
    strcpy(e->ret, "ok");
    break;
  }
  case K_API: {
    struct uffdio_api a = { .api = UFFD_API, .features = o->features };
    int rc = ioctl(fd, UFFDIO_API, &a);
    set_ret(e, rc, errno);
    /* On success the kernel reports its features; on failure it zeroes the struct (api = 0). */
    if (rc == 0 || a.api == 0) { e->out_kind = 2; e->out_hex = a.features; }
    break;
  }
  case K_REGISTER: {
    struct uffdio_register r = { .range = { (uintptr_t)page_addr(o->area, o->first), (uint64_t)o->pages * areas[o->area].unit }, .mode = o->modes, .ioctls = SENTINEL };
    int rc = ioctl(fd, UFFDIO_REGISTER, &r);
    set_ret(e, rc, errno);
    if (r.ioctls != SENTINEL) { e->out_kind = 2; e->out_hex = r.ioctls; }
    break;
  }
  case K_UNREGISTER: case K_WAKE: {
    struct uffdio_range r = { (uintptr_t)page_addr(o->area, o->first), (uint64_t)o->pages * areas[o->area].unit };
    int rc = ioctl(fd, o->kind == K_WAKE ? UFFDIO_WAKE : UFFDIO_UNREGISTER, &r);
    set_ret(e, rc, errno);
    break;
  }
  case K_COPY: case K_ZEROPAGE: {
    int rc, err; long long out;
    uintptr_t dst = (uintptr_t)page_addr(o->area, o->first);
    uint64_t len = (uint64_t)o->pages * areas[o->area].unit;
    if (o->kind == K_COPY) {
      memset(t->src, o->byte, len);
      struct uffdio_copy c = { .dst = dst, .src = (uintptr_t)t->src, .len = len, .mode = o->dontwake ? UFFDIO_COPY_MODE_DONTWAKE : 0, .copy = (int64_t)SENTINEL };
      rc = ioctl(fd, UFFDIO_COPY, &c); err = errno; out = c.copy;
    } else {
      struct uffdio_zeropage z = { .range = { dst, len }, .mode = o->dontwake ? UFFDIO_ZEROPAGE_MODE_DONTWAKE : 0, .zeropage = (int64_t)SENTINEL };
      rc = ioctl(fd, UFFDIO_ZEROPAGE, &z); err = errno; out = z.zeropage;
    }
    set_ret(e, rc, err);
    if ((unsigned long long)out != SENTINEL) { e->out_kind = 1; e->out_num = out; }
    if (rc < 0 && err == EEXIST && o->wake_eexist) {
      commit(t);
      e = new_entry(t, i, kind_name[K_WAKE]);
      struct uffdio_range r = { dst, len };
      rc = ioctl(fd, UFFDIO_WAKE, &r);
      set_ret(e, rc, errno);
    }
    break;
  }
  case K_CLOSE: {
    int rc = close(fd);
    set_ret(e, rc, errno);
    break;
  }
  case K_READ_MSGS: {
    struct uffd_msg buf[MAXMSG];
    ssize_t n = read(fd, buf, sizeof buf[0] * (size_t)o->max);
    if (n < 0) { snprintf(e->ret, sizeof e->ret, "%s", errname(errno)); break; }
    e->nmsgs = (int)(n / (ssize_t)sizeof buf[0]);
    snprintf(e->ret, sizeof e->ret, "%d", e->nmsgs);
    for (int j = 0; j < e->nmsgs; j++) {
      struct msg *m = &e->msgs[j];
      memset(m, 0, sizeof *m);
      m->event = buf[j].event;
      switch (buf[j].event) {
      case UFFD_EVENT_PAGEFAULT: m->flags = buf[j].arg.pagefault.flags; m->at[0] = where(buf[j].arg.pagefault.address, 0); break;
      case UFFD_EVENT_UNMAP: case UFFD_EVENT_REMOVE:
        m->at[0] = where(buf[j].arg.remove.start, 0); m->at[1] = where(buf[j].arg.remove.end, 1); break;
      case UFFD_EVENT_REMAP:
        m->at[0] = where(buf[j].arg.remap.from, 0); m->at[1] = where(buf[j].arg.remap.to, 0);
        m->len = (long)(buf[j].arg.remap.len / PG); break;
      case UFFD_EVENT_FORK: m->ufd = fcntl((int)buf[j].arg.fork.ufd, F_GETFD) >= 0; break;
      }
    }
    break;
  }
  case K_MUNMAP: case K_MADVISE: {
    size_t unit = areas[o->area].unit;
    int rc = o->kind == K_MUNMAP ? munmap(page_addr(o->area, o->first), (size_t)o->pages * unit)
                                 : madvise(page_addr(o->area, o->first), (size_t)o->pages * unit, o->advice);
    set_ret(e, rc, errno);
    break;
  }
  case K_MREMAP: {
    size_t unit = areas[o->area].unit;
    void *to = o->to_area >= 0 ? page_addr(o->to_area, o->to_first) : NULL;
    void *p = (void *)syscall(SYS_mremap, page_addr(o->area, o->first), (size_t)o->pages * unit, (size_t)o->new_pages * unit, o->mflags, to);
    if (p == MAP_FAILED) { set_ret(e, -1, errno); break; }
    strcpy(e->ret, "0");
    e->out_kind = 3; e->out_addr = where((uintptr_t)p, 0);
    break;
  }
  case K_FORK: {
    /* The raw syscall: no atfork handlers, and the child (a copy of this thread only) runs nothing but raw syscalls. */
    long pid = syscall(SYS_fork);
    if (pid == 0) {
      syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      for (;;) syscall(SYS_pause);
    }
    if (pid > 0) children[__atomic_fetch_add(&nchildren, 1, __ATOMIC_SEQ_CST)] = (pid_t)pid;
    set_ret(e, pid < 0 ? -1 : 0, errno);
    break;
  }
  case K_RAW: {
    uintptr_t start = (uintptr_t)(areas[o->area].base + o->offset);
    int rc; long long out = (long long)SENTINEL;
    switch (o->cmd) {
    case R_REGISTER: {
      struct uffdio_register r = { .range = { start, o->len }, .mode = o->modes, .ioctls = SENTINEL };
      rc = ioctl(fd, UFFDIO_REGISTER, &r);
      set_ret(e, rc, errno);
      if (r.ioctls != SENTINEL) { e->out_kind = 2; e->out_hex = r.ioctls; }
      break;
    }
    case R_UNREGISTER: case R_WAKE: {
      struct uffdio_range r = { start, o->len };
      rc = ioctl(fd, o->cmd == R_WAKE ? UFFDIO_WAKE : UFFDIO_UNREGISTER, &r);
      set_ret(e, rc, errno);
      break;
    }
    case R_COPY: {
      memset(t->src, o->byte, SRC_SIZE);
      struct uffdio_copy c = { .dst = start, .src = (uintptr_t)t->src, .len = o->len, .mode = o->modes, .copy = (int64_t)SENTINEL };
      rc = ioctl(fd, UFFDIO_COPY, &c); set_ret(e, rc, errno); out = c.copy;
      break;
    }
    case R_ZEROPAGE: {
      struct uffdio_zeropage z = { .range = { start, o->len }, .mode = o->modes, .zeropage = (int64_t)SENTINEL };
      rc = ioctl(fd, UFFDIO_ZEROPAGE, &z); set_ret(e, rc, errno); out = z.zeropage;
      break;
    }
    case R_CONTINUE: {
      struct uffdio_continue c = { .range = { start, o->len }, .mode = o->modes, .mapped = (int64_t)SENTINEL };
      rc = ioctl(fd, UFFDIO_CONTINUE, &c); set_ret(e, rc, errno); out = c.mapped;
      break;
    }
    case R_WRITEPROTECT: {
      struct uffdio_writeprotect w = { .range = { start, o->len }, .mode = o->modes };
      rc = ioctl(fd, UFFDIO_WRITEPROTECT, &w); set_ret(e, rc, errno);
      break;
    }
    }
    if ((unsigned long long)out != SENTINEL) { e->out_kind = 1; e->out_num = out; }
    break;
  }
  default: break;
  }
  commit(t);
  return 0;
}

static void *worker(void *arg) {
  struct thr *t = arg;
  __atomic_store_n(&t->tid, (int)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
  for (int i = 0; i < t->nops; i++) {
    pthread_mutex_lock(&turn_mu);
    while (turn != t->idx) pthread_cond_wait(&turn_cv, &turn_mu);
    pthread_mutex_unlock(&turn_mu);
    __atomic_store_n(&t->in_op, i, __ATOMIC_SEQ_CST);
    int stop = do_op(t, i);
    __atomic_store_n(&t->in_op, -1, __ATOMIC_SEQ_CST);
    if (stop) break;
  }
  __atomic_store_n(&t->finished, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

/* ---------------------------------------------------------------- scheduling */

static char task_state(struct thr *t) {
  char buf[512];
  ssize_t n = pread(t->statfd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 'X';
  buf[n] = 0;
  char *c = strrchr(buf, ')');
  return c && c[1] && c[2] ? c[2] : '?';
}

/*
 * Asleep in the kernel during operation i: state 'S' (a fault, a read) or 'D'
 * (TASK_KILLABLE: an event producer in userfaultfd_event_wait_completion) in
 * five samples 1 ms apart, still in operation i.
 */
static int blocked_in(struct thr *t, int i) {
  for (int k = 0; k < 5; k++) {
    if (k) usleep(1000);
    char st = task_state(t);
    if (__atomic_load_n(&t->in_op, __ATOMIC_SEQ_CST) != i || (st != 'S' && st != 'D')) return 0;
  }
  return __atomic_load_n(&t->in_op, __ATOMIC_SEQ_CST) == i;
}

static void add_log(int thread, int entry, const char *turnres, int turn_index) {
  if (nlog == MAXLOG) fail("transcript too long");
  logv[nlog++] = (struct logrec){ thread, entry, turnres, turn_index };
}

static void run_turn(int ti) {
  struct thr *t = thrs[ti];
  pthread_mutex_lock(&turn_mu);
  turn = ti;
  pthread_cond_broadcast(&turn_cv);
  pthread_mutex_unlock(&turn_mu);
  const char *res = "timeout"; int index = -1;
  double t0 = now();
  for (;;) {
    if (__atomic_load_n(&t->finished, __ATOMIC_SEQ_CST)) { res = "exited"; break; }
    int i = __atomic_load_n(&t->in_op, __ATOMIC_SEQ_CST);
    if (i >= 0 && blocked_in(t, i)) { res = "blocked"; index = i; break; }
    if (now() - t0 > TURN_LIMIT) { index = i; break; }
    usleep(300);
  }
  pthread_mutex_lock(&turn_mu);
  turn = -1;
  pthread_mutex_unlock(&turn_mu);
  int n = __atomic_load_n(&t->nent, __ATOMIC_SEQ_CST);
  for (; t->emitted < n; t->emitted++) add_log(ti, t->emitted, NULL, 0);
  add_log(ti, -1, res, index);
}

/* ---------------------------------------------------------------- output */

static void print_addr(struct addr a) {
  if (a.area >= 0) printf("{\"area\":\"%s\",\"page\":%ld}", areas[a.area].name, a.page);
  else printf("{\"area\":null,\"page\":-1}");
}

static void print_entry(struct thr *t, struct entry *e) {
  printf("{\"thread\":\"%s\",\"index\":%d,\"op\":\"%s\",\"ret\":\"%s\",\"value\":", t->name, e->index, e->op, e->ret);
  if (e->has_value) printf("%lld", e->value); else printf("null");
  printf(",\"out\":");
  if (e->out_kind == 1) printf("%lld", e->out_num);
  else if (e->out_kind == 2) printf("\"0x%llx\"", e->out_hex);
  else if (e->out_kind == 3 && e->out_addr.area >= 0) printf("\"%s[%ld]\"", areas[e->out_addr.area].name, e->out_addr.page);
  else if (e->out_kind == 3) printf("\"?\"");
  else printf("null");
  printf(",\"msgs\":");
  if (strcmp(e->op, "read_msgs") || e->ret[0] < '0' || e->ret[0] > '9') { printf("null}"); return; }
  printf("[");
  for (int j = 0; j < e->nmsgs; j++) {
    struct msg *m = &e->msgs[j];
    printf("%s{\"event\":", j ? "," : "");
    switch (m->event) {
    case UFFD_EVENT_PAGEFAULT:
      printf("\"UFFD_EVENT_PAGEFAULT\",");
      if (m->at[0].area >= 0) printf("\"area\":\"%s\",", areas[m->at[0].area].name); else printf("\"area\":null,");
      printf("\"page\":%ld,\"flags\":%llu}", m->at[0].page, m->flags);
      break;
    case UFFD_EVENT_UNMAP: case UFFD_EVENT_REMOVE:
      printf("\"%s\",\"start\":", m->event == UFFD_EVENT_UNMAP ? "UFFD_EVENT_UNMAP" : "UFFD_EVENT_REMOVE");
      print_addr(m->at[0]); printf(",\"end\":"); print_addr(m->at[1]); printf("}");
      break;
    case UFFD_EVENT_REMAP:
      printf("\"UFFD_EVENT_REMAP\",\"from\":"); print_addr(m->at[0]); printf(",\"to\":"); print_addr(m->at[1]);
      printf(",\"len\":%ld}", m->len);
      break;
    case UFFD_EVENT_FORK:
      printf("\"UFFD_EVENT_FORK\",\"ufd\":%s}", m->ufd ? "\"fd\"" : "null");
      break;
    default:
      printf("\"0x%x\"}", m->event);
    }
  }
  printf("]}");
}

static void print_transcript(void) {
  printf("{\"entries\":[");
  for (int k = 0; k < nlog; k++) {
    struct logrec *r = &logv[k];
    struct thr *t = thrs[r->thread];
    printf("%s\n ", k ? "," : "");
    if (r->turn == NULL) { print_entry(t, &t->ent[r->entry]); continue; }
    printf("{\"thread\":\"%s\",\"index\":", t->name);
    if (r->turn_index >= 0) printf("%d", r->turn_index); else printf("null");
    printf(",\"op\":\"turn\",\"ret\":\"%s\",\"value\":null,\"out\":null,\"msgs\":null}", r->turn);
  }
  printf("\n],\"final\":[");
  for (int i = 0; i < nthrs; i++) {
    struct thr *t = thrs[i];
    const char *state = "runnable"; int index = -1;
    if (__atomic_load_n(&t->finished, __ATOMIC_SEQ_CST)) state = "exited";
    else {
      int op = __atomic_load_n(&t->in_op, __ATOMIC_SEQ_CST);
      if (op >= 0 && blocked_in(t, op)) { state = "blocked"; index = op; }
    }
    printf("%s\n {\"thread\":\"%s\",\"state\":\"%s\",\"index\":", i ? "," : "", t->name, state);
    if (index >= 0) printf("%d}", index); else printf("null}");
  }
  printf("\n]}\n");
}

/* ---------------------------------------------------------------- main */

static int probe(void) {
  int err = 0;
  int fd = new_uffd(O_CLOEXEC | O_NONBLOCK, &err);
  if (fd < 0) {
    printf("userfaultfd() fails with %s%s\n", errname(err),
           err == EPERM ? " (unprivileged userfaultfd disabled: vm.unprivileged_userfaultfd=0, or a seccomp filter)" :
           err == ENOSYS ? " (kernel without CONFIG_USERFAULTFD, or the syscall is filtered)" : "");
    return 3;
  }
  struct uffdio_api a = { .api = UFFD_API, .features = 0 };
  if (ioctl(fd, UFFDIO_API, &a) < 0) { printf("UFFDIO_API fails with %s\n", errname(errno)); return 3; }
  char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  struct uffdio_register r = { .range = { (uintptr_t)p, PG }, .mode = UFFDIO_REGISTER_MODE_MISSING };
  if (p == MAP_FAILED || ioctl(fd, UFFDIO_REGISTER, &r) < 0) { printf("UFFDIO_REGISTER fails with %s\n", errname(errno)); return 3; }
  printf("ok\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--probe")) return probe();
  if (argc > 1) { fprintf(stderr, "usage: %s < script | %s --probe\n", argv[0], argv[0]); return 2; }
  parse(stdin);
  if (nareas == 0) fail("no areas");

  /*
   * Memory: reserve everything (huge-page aligned), map each area MAP_FIXED
   * (a hugetlb area at a huge-page boundary), unmap the guard page after it.
   * Unmapped areas stay reserved (PROT_NONE) until just before the first run.
   */
  size_t total = HPG;
  for (int i = 0; i < nareas; i++) total += (areas[i].kind == A_HUGETLB ? HPG : 0) + (size_t)areas[i].pages * areas[i].unit + PG;
  char *reserve = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserve == MAP_FAILED) fail("mmap reserve: %s", errname(errno));
  char *next = (char *)(((uintptr_t)reserve + HPG - 1) & ~(HPG - 1));
  /* A file mapped by several areas (file=AREA), or a MAP_PRIVATE shmem area: a memfd as long as its largest mapping. */
  for (int i = 0; i < nareas; i++) {
    struct area *a = &areas[i];
    int shared_file = a->kind == A_SHMEM && !a->shared;
    size_t size = (size_t)a->pages * a->unit;
    for (int j = i + 1; j < nareas; j++) if (areas[j].file == i) { shared_file = 1; if ((size_t)areas[j].pages * areas[j].unit > size) size = (size_t)areas[j].pages * areas[j].unit; }
    if (a->file >= 0 || !shared_file) continue;
    a->fd = (int)syscall(SYS_memfd_create, a->name, 1U /* MFD_CLOEXEC */ | (a->kind == A_HUGETLB ? 4U /* MFD_HUGETLB */ : 0U));
    if (a->fd < 0) fail("memfd_create %s: %s", a->name, errname(errno));
    if (ftruncate(a->fd, (off_t)size)) fail("ftruncate %s: %s", a->name, errname(errno));
  }
  for (int i = 0; i < nareas; i++) {
    struct area *a = &areas[i];
    size_t len = (size_t)a->pages * a->unit;
    if (a->kind == A_HUGETLB) next = (char *)(((uintptr_t)next + HPG - 1) & ~(HPG - 1));
    int fd = a->file >= 0 ? areas[a->file].fd : a->fd;
    int flags = MAP_FIXED | (fd >= 0 ? 0 : MAP_ANONYMOUS) | (a->shared ? MAP_SHARED : MAP_PRIVATE) | (a->kind == A_HUGETLB && fd < 0 ? MAP_HUGETLB : 0);
    a->base = a->unmapped ? next : mmap(next, len, PROT_READ | PROT_WRITE, flags, fd, 0);
    if (a->base == MAP_FAILED) fail("mmap area %s: %s", a->name, errname(errno));
    if (munmap(next + len, PG)) fail("munmap guard: %s", errname(errno));
    next += len + PG;
  }

  for (int i = 0; i < nuffds; i++) {
    int err = 0;
    uffds[i].fd = new_uffd(O_CLOEXEC | (uffds[i].nonblock ? O_NONBLOCK : 0), &err);
    if (uffds[i].fd < 0) fail("userfaultfd: %s", errname(err));
  }
  for (int i = 0; i < nsetups; i++) {
    struct setup *s = &setups[i];
    int fd = uffds[s->uffd].fd;
    if (!s->is_register) {
      struct uffdio_api a = { .api = UFFD_API, .features = s->features };
      if (ioctl(fd, UFFDIO_API, &a)) fail("setup: UFFDIO_API %s: %s", uffds[s->uffd].name, errname(errno));
    } else {
      struct uffdio_register r = { .range = { (uintptr_t)page_addr(s->area, s->first), (uint64_t)s->pages * areas[s->area].unit }, .mode = s->modes };
      if (ioctl(fd, UFFDIO_REGISTER, &r)) fail("setup: UFFDIO_REGISTER %s %s: %s", uffds[s->uffd].name, areas[s->area].name, errname(errno));
    }
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_fault_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);

  for (int i = 0; i < nthrs; i++) {
    struct thr *t = thrs[i];
    t->src = mmap(NULL, SRC_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (t->src == MAP_FAILED) fail("mmap source: %s", errname(errno));
    if (pthread_create(&t->th, NULL, worker, t)) fail("pthread_create");
    while (__atomic_load_n(&t->tid, __ATOMIC_SEQ_CST) == 0) usleep(100);
    /* Opened now, before any close(): a later open could reuse a closed uffd's number. */
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", t->tid);
    t->statfd = open(path, O_RDONLY | O_CLOEXEC);
    if (t->statfd < 0) fail("open %s: %s", path, errname(errno));
  }

  /* Every other mapping (stacks, sources) exists by now: nothing else can land in the unmapped areas. */
  for (int i = 0; i < nareas; i++)
    if (areas[i].unmapped && munmap(areas[i].base, (size_t)areas[i].pages * areas[i].unit)) fail("munmap unmapped area %s: %s", areas[i].name, errname(errno));

  for (int k = 0; k < nruns; k++) run_turn(runs[k]);
  print_transcript();
  fflush(stdout);
  for (int i = 0; i < __atomic_load_n(&nchildren, __ATOMIC_SEQ_CST); i++) { kill(children[i], SIGKILL); waitpid(children[i], NULL, __WALL); }
  /* Threads still asleep in a fault or a read() end with the process. */
  _exit(0);
}
