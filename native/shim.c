// bin/wasm-cni: the exec shim a runtime runs for every CNI call (behind every plugin symlink).
// It holds no CNI logic. When the node's resident host (`wasm-cni serve`) runs, it hands the
// pool this process's call: argv[0], environment, working directory, umask, nice value and
// stdin/stdout/stderr themselves (SCM_RIGHTS), then relays the exit code. Otherwise (no pool,
// or no host process free within QUEUE_WAIT_MS) it execs the Node host cold
// (bin/wasm-cni-node), exactly as a call without `serve` runs. The protocol is
// host/prestart/protocol.ts; the host process checks everything it is sent.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_DIR "/run/wasm-cni"
#define QUEUE_WAIT_MS 1000
#define MAX_REQUEST_BYTES (256 * 1024)

// Runs the call cold, saying why on stderr when tracing (WASM_CNI_TRACE): stderr is the runtime's.
static void trace(const char *where, const char *why) {
  if (getenv("WASM_CNI_TRACE") == NULL) return;
  dprintf(2, "wasm-cni: not handing the call to serve's pool in %s: %s; running it here\n", where, why);
}

// ---- The request (JSON), built in one fixed buffer: too large a request runs cold. ----

struct out {
  char *buf;
  size_t len, cap;
  int full;
};

static void put(struct out *o, const char *s, size_t n) {
  if (o->len + n > o->cap) {
    o->full = 1;
    return;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
}

static void put_str(struct out *o, const char *s) { put(o, s, strlen(s)); }

// A JSON string of bytes s[0..n): quotes, backslashes and control characters escaped; other
// bytes as they are (the host process decodes UTF-8, invalid bytes as U+FFFD, as Node reads env).
static void put_json(struct out *o, const char *s, size_t n) {
  put(o, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[8];
    if (c == '"' || c == '\\') {
      esc[0] = '\\', esc[1] = (char)c;
      put(o, esc, 2);
    } else if (c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      put(o, esc, 6);
    } else {
      put(o, (const char *)&c, 1);
    }
  }
  put(o, "\"", 1);
}

// "dev:ino" of this thread's namespace of one kind, as protocol.ts namespaceIds() gives it.
static int ns_id(const char *kind, char *id, size_t size) {
  char path[64];
  struct stat st;
  snprintf(path, sizeof path, "/proc/thread-self/ns/%s", kind);
  if (stat(path, &st) < 0) return -1;
  snprintf(id, size, "%lu:%lu", (unsigned long)st.st_dev, (unsigned long)st.st_ino);
  return 0;
}

static int build_request(struct out *o, const char *argv0) {
  char cwd[PATH_MAX], net[48], mnt[48], num[32];
  if (getcwd(cwd, sizeof cwd) == NULL || ns_id("net", net, sizeof net) < 0 || ns_id("mnt", mnt, sizeof mnt) < 0) return -1;
  mode_t mask = umask(0);
  umask(mask);
  errno = 0;
  int prio = getpriority(PRIO_PROCESS, 0);
  if (errno != 0) return -1;
  put_str(o, "{\"version\":1,\"argv0\":");
  put_json(o, argv0, strlen(argv0));
  put_str(o, ",\"cwd\":");
  put_json(o, cwd, strlen(cwd));
  snprintf(num, sizeof num, ",\"umask\":%u", (unsigned)mask);
  put_str(o, num);
  snprintf(num, sizeof num, ",\"priority\":%d", prio);
  put_str(o, num);
  put_str(o, ",\"env\":{");
  int first = 1;
  for (char **e = environ; *e != NULL; e++) {
    const char *eq = strchr(*e, '=');
    if (eq == NULL) continue;
    if (!first) put(o, ",", 1);
    first = 0;
    put_json(o, *e, (size_t)(eq - *e));
    put(o, ":", 1);
    put_json(o, eq + 1, strlen(eq + 1));
  }
  put_str(o, "},\"ns\":{\"net\":");
  put_json(o, net, strlen(net));
  put_str(o, ",\"mnt\":");
  put_json(o, mnt, strlen(mnt));
  put_str(o, "}}");
  return o->full ? -1 : 0;
}

// ---- The hand-over ----

// Why the pool's directory is not to be trusted with this call, or NULL. The pool gets root's
// environment, config and stdio: only a directory nobody but this process's own user can put a
// socket in will do, as `serve` makes it.
static const char *untrusted_dir(const char *dir, char *why, size_t size) {
  struct stat st;
  if (lstat(dir, &st) < 0) return "it cannot be read";
  if (S_ISLNK(st.st_mode)) return "it is a symlink";
  if (!S_ISDIR(st.st_mode)) return "it is not a directory";
  if (st.st_uid != geteuid()) {
    snprintf(why, size, "it is owned by uid %u, not this process's uid %u", (unsigned)st.st_uid, (unsigned)geteuid());
    return why;
  }
  if (st.st_mode & 077) {
    snprintf(why, size, "its mode %04o lets others in (serve makes it 0700)", (unsigned)(st.st_mode & 0777));
    return why;
  }
  return NULL;
}

// One message into buf (NUL-terminated); "" on hang-up or error.
static void message(int fd, char *buf, size_t size) {
  ssize_t n;
  do n = recv(fd, buf, size - 1, 0);
  while (n < 0 && errno == EINTR);
  buf[n > 0 ? n : 0] = '\0';
}

// Connects to the pool and sends it the call; the connection, or -1 when nothing was done.
static int hand_over(const char *socket_path, const struct out *request) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof sa.sun_path) return -1;
  strcpy(sa.sun_path, socket_path);
  // Non-blocking connect: a full queue answers EAGAIN at once instead of making us wait.
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || fcntl(fd, F_SETFL, 0) < 0) goto fail;
  struct ucred cred;
  socklen_t len = sizeof cred;
  // The peer's credentials are those of the process that listened: a socket that another
  // user's process serves never gets the call, whoever put it in the directory.
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) goto fail;
  if (cred.uid != geteuid()) {
    char why[96];
    snprintf(why, sizeof why, "the process serving it runs as uid %u, not this process's uid %u", (unsigned)cred.uid, (unsigned)geteuid());
    trace(socket_path, why);
    goto fail;
  }
  struct pollfd p = {.fd = fd, .events = POLLIN};
  // In a burst the call waits in the socket's queue for the next free host process.
  if (poll(&p, 1, QUEUE_WAIT_MS) != 1) {
    trace(socket_path, "no host process of the pool was free in time");
    goto fail;
  }
  char reply[64];
  message(fd, reply, sizeof reply);
  if (strcmp(reply, "ready") != 0) goto fail;
  int stdio[3] = {0, 1, 2};
  union {
    char buf[CMSG_SPACE(sizeof stdio)];
    struct cmsghdr align;
  } control;
  struct iovec iov = {.iov_base = request->buf, .iov_len = request->len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof stdio);
  memcpy(CMSG_DATA(c), stdio, sizeof stdio);
  if (sendmsg(fd, &msg, MSG_NOSIGNAL) != (ssize_t)request->len) goto fail;
  return fd;
fail:
  close(fd);
  return -1;
}

// Hands the call to the pool in `dir`: the connection that took the request, or -1.
static int forward(const char *dir, const char *argv0) {
  char why[96];
  const char *distrust = untrusted_dir(dir, why, sizeof why);
  if (distrust != NULL) {
    trace(dir, distrust);
    return -1;
  }
  char path[PATH_MAX];
  struct stat st;
  snprintf(path, sizeof path, "%s/host.sock", dir);
  if (lstat(path, &st) < 0) return -1; // no pool running
  static char buf[MAX_REQUEST_BYTES];
  struct out request = {.buf = buf, .cap = sizeof buf};
  if (build_request(&request, argv0) < 0) {
    trace(dir, "the call's environment does not fit a request");
    return -1;
  }
  return hand_over(path, &request);
}

// Until the host process says "started" nothing was done and this process may still run the
// call; after, only that process knows how it ended. The exit code, or -1 to run the call here.
static int outcome(int fd) {
  char reply[64];
  message(fd, reply, sizeof reply);
  if (strcmp(reply, "started") != 0) return -1; // refused, or gone before it began
  message(fd, reply, sizeof reply);
  char *end;
  long code = strncmp(reply, "exit ", 5) == 0 ? strtol(reply + 5, &end, 10) : -1;
  if (code >= 0 && code <= 255 && end != reply + 5 && *end == '\0') return (int)code;
  static const char msg[] =
      "{\n    \"cniVersion\": \"1.0.0\",\n    \"code\": 999,\n    \"msg\": \"the prestarted host (wasm-cni serve) "
      "ended before it finished the call; its changes may not have been rolled back\"\n}\n";
  (void)!write(1, msg, sizeof msg - 1);
  return 1;
}

// The Node host beside this binary (bin/wasm-cni-node), told the name we were exec'd by: its
// shebang replaces argv[0], and a plugin is chosen by that name.
static void exec_cold(char **argv) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    perror("wasm-cni: readlink /proc/self/exe");
    exit(1);
  }
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  char host[PATH_MAX];
  snprintf(host, sizeof host, "%.*s/wasm-cni-node", (int)(slash - self), self);
  if (setenv("WASM_CNI_ARGV0", argv[0], 1) < 0) exit(1);
  argv[0] = host;
  execv(host, argv);
  dprintf(2, "wasm-cni: cannot run %s: %s\n", host, strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  // exec'd with no argv at all: a slot of our own, since exec_cold writes argv[0].
  char *none[] = {"wasm-cni", NULL};
  if (argc < 1 || argv[0] == NULL) argv = none;
  const char *command = getenv("CNI_COMMAND");
  const char *dir = getenv("WASM_CNI_PRESTART_DIR");
  if (dir == NULL) dir = DEFAULT_DIR;
  struct stat st;
  // Forwarded: CNI calls other than VERSION,
  // not in a host process of the pool, with a pool directory that exists.
  if (command != NULL && *command != '\0' && strcmp(command, "VERSION") != 0 &&
      getenv("WASM_CNI_SPARE") == NULL && *dir != '\0' && strcmp(dir, "off") != 0 && lstat(dir, &st) == 0) {
    int fd = forward(dir, argv[0]);
    if (fd >= 0) {
      int code = outcome(fd);
      if (code >= 0) return code;
      close(fd);
    }
  }
  exec_cold(argv);
}
