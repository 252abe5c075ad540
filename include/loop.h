/*
 * loop.h: the one event loop (epoll) that drives brood.
 *
 * File descriptors, signals (through one signalfd) and timers (through one
 * timerfd, CLOCK_MONOTONIC) all become callbacks run from loop_run. Nothing
 * in a callback may block. The loop owns none of the fds it is given.
 */
#ifndef BROOD_LOOP_H
#define BROOD_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop;
struct loop_timer;

typedef void loop_fd_cb(struct loop *l, int fd, uint32_t events, void *arg);
typedef void loop_signal_cb(struct loop *l, int sig, void *arg);
typedef void loop_timer_cb(struct loop *l, void *arg);
typedef void loop_idle_cb(struct loop *l, void *arg);

/* A new loop; fatal if the kernel refuses epoll, signalfd or timerfd. */
struct loop *loop_create(void);
void loop_free(struct loop *l);

/* Watch fd for events (EPOLLIN, ...); level-triggered. -1 with errno on error. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb *cb, void *arg);
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
/* Stop watching fd (call before closing it). */
void loop_del_fd(struct loop *l, int fd);

/* Deliver sig through the loop: it is blocked and read from the signalfd.
 * One callback per signal; a later call replaces it. */
void loop_add_signal(struct loop *l, int sig, loop_signal_cb *cb, void *arg);

/* Run cb once at deadline_ms (util_now_ms clock). The handle is valid until
 * the timer fires or is cancelled. */
struct loop_timer *loop_timer_add(struct loop *l, uint64_t deadline_ms,
    loop_timer_cb *cb, void *arg);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);

/* Run cb every time the loop is about to wait (flush output, redraw). */
void loop_set_idle(struct loop *l, loop_idle_cb *cb, void *arg);

/* Dispatch events until loop_break is called. */
void loop_run(struct loop *l);
void loop_break(struct loop *l);

/* Dispatch one batch of events, waiting at most timeout_ms (-1: forever);
 * for tests. */
void loop_once(struct loop *l, int timeout_ms);

#endif
