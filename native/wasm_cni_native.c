// The few syscalls Node lacks: setns, AF_NETLINK sockets, flock, the tun ioctls, and the Unix
// sockets of the prestarted host (SCM_RIGHTS, SO_PEERCRED). Everything is synchronous because
// host functions called from Wasm must be; the one thread of its own is linkDelete's, which
// waits out the kernel's teardown after the call has what it needs. Errors throw with code =
// errno name.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static napi_value throw_errno(napi_env env, const char *op, int err) {
  const char *name = strerrorname_np(err);
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s (%s)", op, name ? name : "E?", strerror(err));
  napi_value code, text, error, num, sys;
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, op, NAPI_AUTO_LENGTH, &sys);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_create_int32(env, err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_set_named_property(env, error, "syscall", sys);
  napi_throw(env, error);
  return NULL;
}

static int arg_int(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int arg_bytes(napi_env env, napi_value v, void **data, size_t *len) {
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, data, &ab, &off) != napi_ok) return 0;
  return type == napi_uint8_array;
}

static napi_value ret_int(napi_env env, int64_t n) {
  napi_value v;
  napi_create_int64(env, n, &v);
  return v;
}

static napi_value bad_args(napi_env env, const char *what) {
  napi_throw_type_error(env, "EINVAL", what);
  return NULL;
}

// Opens `count` netlink sockets of `protocol` in nsFd's netns (-1: the current one), in one
// visit there; socket i listens to the multicast groups groups[i]. Returns 0, or an errno with
// *op saying what failed (no socket is left open then).
static int netlink_open(int ns_fd, int protocol, const unsigned *groups, int *fds, int count, const char **op) {
  int saved = -1, err = 0, made = 0;
  if (ns_fd >= 0) {
    saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (saved < 0) return *op = "open /proc/thread-self/ns/net", errno;
    if (setns(ns_fd, CLONE_NEWNET) < 0) {
      err = errno;
      close(saved);
      return *op = "setns", err;
    }
  }
  for (; made < count; made++) {
    fds[made] = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    if (fds[made] < 0) {
      err = errno, *op = "socket(AF_NETLINK)";
      break;
    }
  }
  if (saved >= 0) {
    // Staying in the wrong netns would let later calls change the wrong network: give up.
    if (setns(saved, CLONE_NEWNET) < 0) {
      perror("wasm-cni: cannot return to the original network namespace");
      abort();
    }
    close(saved);
  }
  for (int i = 0; i < made && err == 0; i++) {
    int one = 1, rcvbuf = 1 << 20;
    setsockopt(fds[i], SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    setsockopt(fds[i], SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    setsockopt(fds[i], SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
    if (setsockopt(fds[i], SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
      setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = groups ? groups[i] : 0};
    if (bind(fds[i], (struct sockaddr *)&sa, sizeof sa) < 0) err = errno, *op = "bind(AF_NETLINK)";
  }
  if (err != 0)
    for (int i = 0; i < made; i++) close(fds[i]);
  return err;
}

// netlinkSocket(nsFd, protocol = NETLINK_ROUTE): a netlink socket created in (and forever bound
// to) nsFd's netns; NETLINK_NETFILTER (12) for nftables.
static napi_value netlink_socket(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t ns_fd, protocol = NETLINK_ROUTE;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int(env, argv[0], &ns_fd) || (argc >= 2 && !arg_int(env, argv[1], &protocol)) ||
      (protocol != NETLINK_ROUTE && protocol != NETLINK_NETFILTER))
    return bad_args(env, "netlinkSocket(nsFd: number, protocol?: 0 | 12)");
  int fd = -1;
  const char *op = NULL;
  int err = netlink_open(ns_fd, protocol, NULL, &fd, 1, &op);
  if (err != 0) return throw_errno(env, op, err);
  return ret_int(env, fd);
}

// tapCreate(nsFd, name, multiQueue, vnetHdr, owner, group): a persistent tap device named
// `name` in nsFd's netns. /dev/net/tun is opened inside that netns, since the device is made in
// the netns the file was opened in; owner/group (uid/gid) -1 leave them unset.
static napi_value tap_create(napi_env env, napi_callback_info info) {
  size_t argc = 6, namelen;
  napi_value argv[6];
  int32_t ns_fd;
  int64_t owner, group;
  bool multi_queue, vnet_hdr;
  struct ifreq ifr = {0};
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 6 || !arg_int(env, argv[0], &ns_fd) ||
      napi_get_value_string_utf8(env, argv[1], NULL, 0, &namelen) != napi_ok ||
      napi_get_value_bool(env, argv[2], &multi_queue) != napi_ok ||
      napi_get_value_bool(env, argv[3], &vnet_hdr) != napi_ok ||
      napi_get_value_int64(env, argv[4], &owner) != napi_ok || napi_get_value_int64(env, argv[5], &group) != napi_ok ||
      owner > UINT32_MAX || group > UINT32_MAX)
    return bad_args(env, "tapCreate(nsFd: number, name: string, multiQueue: boolean, vnetHdr: boolean, owner: number, group: number)");
  if (namelen == 0 || namelen >= IFNAMSIZ) return bad_args(env, "tapCreate: name must be 1-15 bytes");
  napi_get_value_string_utf8(env, argv[1], ifr.ifr_name, IFNAMSIZ, &namelen);
  int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (saved < 0) return throw_errno(env, "open /proc/thread-self/ns/net", errno);
  if (setns(ns_fd, CLONE_NEWNET) < 0) {
    int err = errno;
    close(saved);
    return throw_errno(env, "setns", err);
  }
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  int err = errno;
  if (setns(saved, CLONE_NEWNET) < 0) {
    perror("wasm-cni: cannot return to the original network namespace");
    abort();
  }
  close(saved);
  if (fd < 0) return throw_errno(env, "open /dev/net/tun", err);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (multi_queue ? IFF_MULTI_QUEUE : 0) | (vnet_hdr ? IFF_VNET_HDR : 0);
  const char *op = NULL;
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) op = "ioctl(TUNSETIFF)";
  else if (owner >= 0 && ioctl(fd, TUNSETOWNER, (unsigned long)owner) < 0) op = "ioctl(TUNSETOWNER)";
  else if (group >= 0 && ioctl(fd, TUNSETGROUP, (unsigned long)group) < 0) op = "ioctl(TUNSETGROUP)";
  else if (ioctl(fd, TUNSETPERSIST, 1UL) < 0) op = "ioctl(TUNSETPERSIST)";
  err = errno;
  close(fd); // a device that is not persistent yet goes away with its last file
  if (op) return throw_errno(env, op, err);
  return NULL;
}

// send(fd, bytes): one datagram to the kernel.
static napi_value nl_send(napi_env env, napi_callback_info info) {
  size_t argc = 2, len;
  napi_value argv[2];
  int32_t fd;
  void *data;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !arg_int(env, argv[0], &fd) || !arg_bytes(env, argv[1], &data, &len))
    return bad_args(env, "send(fd: number, bytes: Uint8Array)");
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  ssize_t n;
  do n = sendto(fd, data, len, 0, (struct sockaddr *)&kernel, sizeof kernel);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "sendto(netlink)", errno);
  return ret_int(env, n);
}

// recv(fd, buf): blocks for one datagram; returns its length. A truncated datagram is an error.
static napi_value nl_recv(napi_env env, napi_callback_info info) {
  size_t argc = 2, len;
  napi_value argv[2];
  int32_t fd;
  void *data;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !arg_int(env, argv[0], &fd) || !arg_bytes(env, argv[1], &data, &len))
    return bad_args(env, "recv(fd: number, buf: Uint8Array)");
  struct iovec iov = {.iov_base = data, .iov_len = len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  ssize_t n;
  do n = recvmsg(fd, &msg, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "recvmsg(netlink)", errno);
  if (msg.msg_flags & MSG_TRUNC) return throw_errno(env, "recvmsg(netlink) truncated", EMSGSIZE);
  return ret_int(env, n);
}

// linkDelete's requests in flight: a thread of their own each, and a socket the thread closes
// when the kernel acks. openFds leaves these sockets out (they close by themselves); past
// MAX_DETACHED, a delete waits for its ack in the calling thread like any request.
#define MAX_DETACHED 32
static pthread_mutex_t detached_lock = PTHREAD_MUTEX_INITIALIZER;
static int detached_fds[MAX_DETACHED]; // fd + 1; 0 is a free slot
#define ACK_BYTES 8192

struct detached {
  atomic_int refs; // the caller's and the thread's: the last one frees it
  atomic_bool done;
  int fd, err;
  uint32_t seq;
  size_t req_len, ack_len;
  uint8_t ack[ACK_BYTES];
  uint8_t req[];
};

static void detached_release(struct detached *d) {
  if (atomic_fetch_sub(&d->refs, 1) == 1) free(d);
}

// Sends the request and reads until its ack; then closes the socket (and frees its slot, in
// one step under the lock, so openFds never sees a socket of ours that is not in the slots).
static void *detached_run(void *arg) {
  struct detached *d = arg;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  ssize_t n;
  do n = sendto(d->fd, d->req, d->req_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
  while (n < 0 && errno == EINTR);
  while (n >= 0) {
    do n = recv(d->fd, d->ack, sizeof d->ack, 0);
    while (n < 0 && errno == EINTR);
    const struct nlmsghdr *h = (const struct nlmsghdr *)d->ack;
    if (n >= (ssize_t)sizeof *h && h->nlmsg_type == NLMSG_ERROR && h->nlmsg_seq == d->seq) {
      d->ack_len = (size_t)n;
      break;
    }
  }
  if (n < 0) d->err = errno;
  pthread_mutex_lock(&detached_lock);
  close(d->fd);
  for (int i = 0; i < MAX_DETACHED; i++)
    if (detached_fds[i] == d->fd + 1) detached_fds[i] = 0;
  pthread_mutex_unlock(&detached_lock);
  atomic_store(&d->done, true);
  detached_release(d);
  return NULL;
}

// Starts d on a thread of its own; false when all slots are taken or no thread can start.
static bool detached_start(struct detached *d) {
  pthread_mutex_lock(&detached_lock);
  int slot = -1;
  for (int i = 0; i < MAX_DETACHED && slot < 0; i++)
    if (detached_fds[i] == 0) slot = i;
  bool started = false;
  if (slot >= 0) {
    pthread_attr_t attr;
    pthread_t thread;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    detached_fds[slot] = d->fd + 1;
    atomic_fetch_add(&d->refs, 1);
    started = pthread_create(&thread, &attr, detached_run, d) == 0;
    if (!started) detached_fds[slot] = 0, atomic_fetch_sub(&d->refs, 1);
    pthread_attr_destroy(&attr);
  }
  pthread_mutex_unlock(&detached_lock);
  return started;
}

// True when buf holds the RTM_DELLINK notification of link `index` (AF_UNSPEC: a bridge's
// AF_BRIDGE notice of a port leaving comes before the link itself goes).
static bool has_dellink(const uint8_t *buf, int len, int index) {
  for (const struct nlmsghdr *h = (const void *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
    const struct ifinfomsg *ifi = NLMSG_DATA(h);
    if (h->nlmsg_type == RTM_DELLINK && h->nlmsg_len >= NLMSG_LENGTH(sizeof *ifi) && ifi->ifi_family == AF_UNSPEC &&
        ifi->ifi_index == index)
      return true;
  }
  return false;
}

// linkDelete(nsFd, request, index): sends `request` (an RTM_DELLINK of link `index` in nsFd's
// netns, with NLM_F_ACK) and returns once the kernel has taken the link off its lists, as its
// RTM_DELLINK notification says: undefined then. By then the link, its peer, their addresses,
// routes and bridge port are gone and the name is free; what the kernel does after (an
// rcu_barrier in netdev_run_todo, ~20 ms here, before the ack) is left to a thread that waits
// for the ack. When the ack comes first (an error, or no notification was seen), returns the
// ack's datagram.
static napi_value link_delete(napi_env env, napi_callback_info info) {
  size_t argc = 3, len;
  napi_value argv[3];
  int32_t ns_fd, index;
  void *data;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || !arg_int(env, argv[0], &ns_fd) || !arg_bytes(env, argv[1], &data, &len) || !arg_int(env, argv[2], &index) ||
      len < sizeof(struct nlmsghdr) || len > 4096 || index <= 0)
    return bad_args(env, "linkDelete(nsFd: number, request: Uint8Array, index: number)");
  struct detached *d = calloc(1, sizeof *d + len);
  if (d == NULL) return throw_errno(env, "linkDelete", ENOMEM);
  atomic_init(&d->refs, 1);
  memcpy(d->req, data, d->req_len = len);
  d->seq = ((const struct nlmsghdr *)data)->nlmsg_seq;
  // The listener joins RTMGRP_LINK before the request is sent: the notification cannot be missed.
  int fds[2] = {-1, -1};
  const unsigned groups[2] = {RTMGRP_LINK, 0};
  const char *op = NULL;
  int err = netlink_open(ns_fd, NETLINK_ROUTE, groups, fds, 2, &op);
  if (err != 0) {
    free(d);
    return throw_errno(env, op, err);
  }
  int listener = fds[0];
  d->fd = fds[1];
  if (!detached_start(d)) {
    atomic_fetch_add(&d->refs, 1); // detached_run gives up the thread's reference
    detached_run(d);
  }
  uint8_t buf[32 * 1024]; // a notification that does not fit is skipped: the ack still comes
  bool gone = false, deaf = false;
  while (!gone && !atomic_load(&d->done)) {
    struct pollfd p = {.fd = listener, .events = POLLIN};
    // 1 ms: an ack without a notification (an error) is seen within that.
    if (deaf || poll(&p, 1, 1) <= 0) {
      if (deaf) poll(NULL, 0, 1);
      continue;
    }
    ssize_t n = recv(listener, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && errno == ENOBUFS) deaf = true; // notifications were lost: wait for the ack
    else if (n > 0) gone = has_dellink(buf, (int)n, index);
  }
  close(listener);
  napi_value result = NULL;
  if (!gone || atomic_load(&d->done)) {
    if (d->err != 0) {
      int failed = d->err;
      detached_release(d);
      return throw_errno(env, "netlink (link delete)", failed);
    }
    void *out;
    napi_create_buffer_copy(env, d->ack_len, d->ack, &out, &result);
  } else {
    napi_get_undefined(env, &result);
  }
  detached_release(d);
  return result;
}

static napi_value fd_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int(env, argv[0], &fd)) return bad_args(env, "close(fd: number)");
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, "close", errno);
  return NULL;
}

// nsOpen(path): [fd, nstype] of a namespace file, or [-1, 0] when path is no namespace file.
// The path is opened with O_PATH first, which opens nothing (a FIFO would block open(2), a
// device would run its driver's open); only a file on nsfs is then opened for real, through
// the O_PATH fd (not the path again, which may have been swapped meanwhile), and asked its
// type (NS_GET_NSTYPE: CLONE_NEWNET for a network namespace).
static napi_value ns_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  size_t len;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len >= sizeof path - 1)
    return bad_args(env, "nsOpen(path: string)");
  int pfd = open(path, O_PATH | O_CLOEXEC);
  if (pfd < 0) return throw_errno(env, "open", errno);
  struct statfs sfs;
  if (fstatfs(pfd, &sfs) < 0) {
    int err = errno;
    close(pfd);
    return throw_errno(env, "fstatfs", err);
  }
  int fd = -1, type = 0;
  if (sfs.f_type == NSFS_MAGIC) {
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", pfd);
    fd = open(self, O_RDONLY | O_CLOEXEC);
    int err = errno;
    if (fd < 0) {
      close(pfd);
      return throw_errno(env, "open", err);
    }
    type = ioctl(fd, NS_GET_NSTYPE);
    if (type < 0) {
      err = errno;
      close(fd);
      close(pfd);
      return throw_errno(env, "ioctl(NS_GET_NSTYPE)", err);
    }
  }
  close(pfd);
  napi_value result, v;
  napi_create_array_with_length(env, 2, &result);
  napi_create_int32(env, fd, &v);
  napi_set_element(env, result, 0, v);
  napi_create_int32(env, type, &v);
  napi_set_element(env, result, 1, v);
  return result;
}

// setns(fd): moves the calling thread into fd's network namespace.
static napi_value ns_set(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int(env, argv[0], &fd)) return bad_args(env, "setns(fd: number)");
  if (setns(fd, CLONE_NEWNET) < 0) return throw_errno(env, "setns", errno);
  return NULL;
}

// flock(fd, "ex"|"sh"|"un", wait): false when !wait and the lock is held elsewhere.
static napi_value file_lock(napi_env env, napi_callback_info info) {
  size_t argc = 3, oplen;
  napi_value argv[3];
  int32_t fd;
  char op[4];
  bool wait;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || !arg_int(env, argv[0], &fd) ||
      napi_get_value_string_utf8(env, argv[1], op, sizeof op, &oplen) != napi_ok ||
      napi_get_value_bool(env, argv[2], &wait) != napi_ok)
    return bad_args(env, "flock(fd: number, op: \"ex\"|\"sh\"|\"un\", wait: boolean)");
  int how = !strcmp(op, "ex") ? LOCK_EX : !strcmp(op, "sh") ? LOCK_SH : !strcmp(op, "un") ? LOCK_UN : -1;
  if (how < 0) return bad_args(env, "flock: op must be \"ex\", \"sh\" or \"un\"");
  if (!wait) how |= LOCK_NB;
  int r;
  do r = flock(fd, how);
  while (r < 0 && errno == EINTR);
  napi_value result;
  if (r < 0 && errno == EWOULDBLOCK) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  if (r < 0) return throw_errno(env, "flock", errno);
  napi_get_boolean(env, true, &result);
  return result;
}

// ---- Unix sockets for the prestarted host (host/prestart) ----
// SOCK_SEQPACKET keeps message boundaries, so a request is one message and needs no framing.

static int unix_address(napi_env env, napi_value v, struct sockaddr_un *sa) {
  size_t len;
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok || len == 0 || len >= sizeof sa->sun_path) return 0;
  napi_get_value_string_utf8(env, v, sa->sun_path, sizeof sa->sun_path, &len);
  return 1;
}

// unixListen(path, backlog): a listening SOCK_SEQPACKET socket bound to path, non-blocking: the
// host processes of serve share one, and all but one of those woken for a connection find none.
static napi_value unix_listen(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t backlog;
  struct sockaddr_un sa;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !unix_address(env, argv[0], &sa) || !arg_int(env, argv[1], &backlog))
    return bad_args(env, "unixListen(path: string (1-107 bytes), backlog: number)");
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return throw_errno(env, "socket(AF_UNIX)", errno);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, backlog) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind/listen(AF_UNIX)", err);
  }
  return ret_int(env, fd);
}

// unixConnect(path): a connected SOCK_SEQPACKET socket, or EAGAIN at once when the listener's
// backlog is full (the caller then does the work itself instead of queueing).
static napi_value unix_connect(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  struct sockaddr_un sa;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !unix_address(env, argv[0], &sa)) return bad_args(env, "unixConnect(path: string (1-107 bytes))");
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return throw_errno(env, "socket(AF_UNIX)", errno);
  int r;
  do r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
  while (r < 0 && errno == EINTR);
  if (r < 0 || fcntl(fd, F_SETFL, 0) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "connect(AF_UNIX)", err);
  }
  return ret_int(env, fd);
}

// accept(fd): the next connection (blocking; the accepted socket is), or -1 when a
// non-blocking listener has none waiting (another process took it).
static napi_value unix_accept(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int(env, argv[0], &fd)) return bad_args(env, "accept(fd: number)");
  int c;
  do c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
  while (c < 0 && (errno == EINTR || errno == ECONNABORTED));
  if (c < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return ret_int(env, -1);
  if (c < 0) return throw_errno(env, "accept", errno);
  return ret_int(env, c);
}

// peerUid(fd): the uid of the process at the other end (SO_PEERCRED, fixed at connect).
static napi_value peer_uid(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int(env, argv[0], &fd)) return bad_args(env, "peerUid(fd: number)");
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return throw_errno(env, "getsockopt(SO_PEERCRED)", errno);
  return ret_int(env, cred.uid);
}

static int64_t monotonic_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

// Whether fd is the socket of a linkDelete in flight (the caller holds detached_lock).
static bool is_detached(int fd) {
  for (int i = 0; i < MAX_DETACHED; i++)
    if (detached_fds[i] == fd + 1) return true;
  return false;
}

// openFds(): "N=target" for each descriptor this process has open (readlink of /proc/self/fd/N),
// one per line, unsorted, but for linkDelete's sockets in flight. One call instead of a readlink from JS per descriptor: the pool
// checks it after every call (host-process.ts).
static napi_value open_fds(napi_env env, napi_callback_info info) {
  (void)info;
  // Under the lock: a linkDelete thread closes its socket and frees its slot in one step.
  pthread_mutex_lock(&detached_lock);
  DIR *dir = opendir("/proc/self/fd");
  if (dir == NULL) {
    int err = errno;
    pthread_mutex_unlock(&detached_lock);
    return throw_errno(env, "opendir(/proc/self/fd)", err);
  }
  size_t cap = 4096, len = 0;
  char *out = malloc(cap);
  struct dirent *e;
  while (out != NULL && (e = readdir(dir)) != NULL) {
    if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(dir) || is_detached(atoi(e->d_name))) continue;
    char target[PATH_MAX];
    ssize_t n = readlinkat(dirfd(dir), e->d_name, target, sizeof target - 1);
    if (n < 0) continue; // closed meanwhile
    target[n] = '\0';
    size_t need = strlen(e->d_name) + (size_t)n + 3;
    if (len + need > cap) {
      char *grown = realloc(out, cap = (len + need) * 2);
      if (grown == NULL) free(out);
      out = grown;
      if (out == NULL) break;
    }
    len += (size_t)snprintf(out + len, cap - len, "%s=%s\n", e->d_name, target);
  }
  closedir(dir);
  pthread_mutex_unlock(&detached_lock);
  if (out == NULL) return throw_errno(env, "openFds", ENOMEM);
  napi_value result;
  napi_create_string_utf8(env, out, len, &result);
  free(out);
  return result;
}

// waitReadable(fd, timeoutMs, exclusive): true when a message, a connection (or the peer's
// hang-up) is waiting. `exclusive`: for a listening socket that several processes wait on (the
// pool's), a connection wakes one of them (EPOLLEXCLUSIVE), not every one (poll(2)): with 20
// processes, a burst of 20 calls woke ~200 of them only to find the connection taken. A
// signal does not restart the whole wait: a steady stream of them (a profiler's SIGPROF)
// would otherwise keep it from ever timing out.
static napi_value wait_readable(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd, timeout;
  bool exclusive = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !arg_int(env, argv[0], &fd) || !arg_int(env, argv[1], &timeout) ||
      (argc > 2 && napi_get_value_bool(env, argv[2], &exclusive) != napi_ok))
    return bad_args(env, "waitReadable(fd: number, timeoutMs: number, exclusive?: boolean)");
  int ep = -1;
  if (exclusive) {
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE};
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) return throw_errno(env, "epoll_create1", errno);
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
      int err = errno;
      close(ep);
      return throw_errno(env, "epoll_ctl", err);
    }
  }
  struct pollfd p = {.fd = fd, .events = POLLIN};
  struct epoll_event got;
  int64_t deadline = monotonic_ms() + timeout;
  int r;
  while ((r = exclusive ? epoll_wait(ep, &got, 1, timeout) : poll(&p, 1, timeout)) < 0 && errno == EINTR) {
    if (timeout < 0) continue; // no time limit
    int64_t left = deadline - monotonic_ms();
    timeout = left > 0 ? (int32_t)left : 0;
  }
  int err = errno;
  if (ep >= 0) close(ep);
  if (r < 0) return throw_errno(env, exclusive ? "epoll_wait" : "poll", err);
  napi_value result;
  napi_get_boolean(env, r > 0, &result);
  return result;
}

#define MAX_PASSED_FDS 3

// sendMsg(fd, bytes, fds): one message, with up to three file descriptors (SCM_RIGHTS).
static napi_value unix_send(napi_env env, napi_callback_info info) {
  size_t argc = 3, len;
  napi_value argv[3];
  int32_t fd;
  void *data;
  uint32_t nfds = 0;
  bool is_array = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || !arg_int(env, argv[0], &fd) || !arg_bytes(env, argv[1], &data, &len) ||
      napi_is_array(env, argv[2], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[2], &nfds) != napi_ok || nfds > MAX_PASSED_FDS)
    return bad_args(env, "sendMsg(fd: number, bytes: Uint8Array, fds: number[] (at most 3))");
  int fds[MAX_PASSED_FDS];
  for (uint32_t i = 0; i < nfds; i++) {
    napi_value v;
    napi_get_element(env, argv[2], i, &v);
    if (!arg_int(env, v, &fds[i])) return bad_args(env, "sendMsg: fds must be numbers");
  }
  union {
    char buf[CMSG_SPACE(sizeof(int) * MAX_PASSED_FDS)];
    struct cmsghdr align;
  } control;
  struct iovec iov = {.iov_base = data, .iov_len = len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  if (nfds > 0) {
    msg.msg_control = control.buf;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  ssize_t n;
  do n = sendmsg(fd, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "sendmsg(AF_UNIX)", errno);
  return ret_int(env, n);
}

// recvMsg(fd, buf): blocks for one message; returns [length, ...fds passed with it]. Length 0
// is the peer's hang-up. A message or fd list that does not fit is an error (its fds closed).
static napi_value unix_recv(napi_env env, napi_callback_info info) {
  size_t argc = 2, len;
  napi_value argv[2];
  int32_t fd;
  void *data;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !arg_int(env, argv[0], &fd) || !arg_bytes(env, argv[1], &data, &len))
    return bad_args(env, "recvMsg(fd: number, buf: Uint8Array)");
  union {
    char buf[CMSG_SPACE(sizeof(int) * MAX_PASSED_FDS)];
    struct cmsghdr align;
  } control;
  struct iovec iov = {.iov_base = data, .iov_len = len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  ssize_t n;
  do n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "recvmsg(AF_UNIX)", errno);
  int fds[MAX_PASSED_FDS];
  uint32_t nfds = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k && nfds < MAX_PASSED_FDS; i++) memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
  }
  if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
    for (uint32_t i = 0; i < nfds; i++) close(fds[i]);
    return throw_errno(env, "recvmsg(AF_UNIX) truncated", EMSGSIZE);
  }
  napi_value result, v;
  napi_create_array_with_length(env, nfds + 1, &result);
  napi_create_int64(env, n, &v);
  napi_set_element(env, result, 0, v);
  for (uint32_t i = 0; i < nfds; i++) {
    napi_create_int32(env, fds[i], &v);
    napi_set_element(env, result, i + 1, v);
  }
  return result;
}

// dup2(oldFd, newFd): newFd becomes a copy of oldFd (the prestarted host adopting a caller's stdio).
static napi_value fd_dup2(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t from, to;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !arg_int(env, argv[0], &from) || !arg_int(env, argv[1], &to)) return bad_args(env, "dup2(oldFd: number, newFd: number)");
  int r;
  do r = dup2(from, to);
  while (r < 0 && errno == EINTR);
  if (r < 0) return throw_errno(env, "dup2", errno);
  return NULL;
}

// unshareNet(): moves the calling thread into a new, empty network namespace.
static napi_value unshare_net(napi_env env, napi_callback_info info) {
  (void)info;
  if (unshare(CLONE_NEWNET) < 0) return throw_errno(env, "unshare(CLONE_NEWNET)", errno);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"netlinkSocket", NULL, netlink_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, nl_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recv", NULL, nl_recv, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, fd_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setns", NULL, ns_set, NULL, NULL, NULL, napi_enumerable, NULL},
      {"nsOpen", NULL, ns_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"flock", NULL, file_lock, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tapCreate", NULL, tap_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unixListen", NULL, unix_listen, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unixConnect", NULL, unix_connect, NULL, NULL, NULL, napi_enumerable, NULL},
      {"accept", NULL, unix_accept, NULL, NULL, NULL, napi_enumerable, NULL},
      {"peerUid", NULL, peer_uid, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openFds", NULL, open_fds, NULL, NULL, NULL, napi_enumerable, NULL},
      {"waitReadable", NULL, wait_readable, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendMsg", NULL, unix_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvMsg", NULL, unix_recv, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dup2", NULL, fd_dup2, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unshareNet", NULL, unshare_net, NULL, NULL, NULL, napi_enumerable, NULL},
      {"linkDelete", NULL, link_delete, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
