/*
 * CEditLine: libedit (BSD editline) for closelab's interactive prompt.
 *
 * Swift cannot call C variadic functions, and el_set, el_get and history are
 * variadic; each wrapper below fixes one argument list. Keep them trivial:
 * no logic lives here (LineEditor.swift and HistoryFile.swift have it).
 */
#ifndef CLOSELAB_CEDITLINE_SHIM_H
#define CLOSELAB_CEDITLINE_SHIM_H

#include <histedit.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/select.h>

/* ---- el_set ---------------------------------------------------------- */

/* EL_EDITOR, EL_TERMINAL: one string argument. */
static inline int closelab_el_set_string(EditLine *el, int op, const char *value) {
    return el_set(el, op, value);
}

/* EL_SIGNAL, EL_EDITMODE, EL_UNBUFFERED: one int argument. */
static inline int closelab_el_set_int(EditLine *el, int op, int value) {
    return el_set(el, op, value);
}

/* EL_CLIENTDATA: an opaque pointer handed back by closelab_el_get_clientdata. */
static inline int closelab_el_set_clientdata(EditLine *el, void *data) {
    return el_set(el, EL_CLIENTDATA, data);
}

/* EL_PROMPT_ESC: prompt callback; characters between two `ignore` characters
 * are printed but take no room (for terminal escape sequences). */
static inline int closelab_el_set_prompt(EditLine *el, char *(*prompt)(EditLine *), char ignore) {
    return el_set(el, EL_PROMPT_ESC, prompt, ignore);
}

/* EL_HIST: attach a History to the editor (Up/Down arrows, Ctrl-P/Ctrl-N). */
static inline int closelab_el_set_history(EditLine *el, History *h) {
    return el_set(el, EL_HIST, history, h);
}

/* EL_ADDFN: name a user editor function. */
static inline int closelab_el_add_function(EditLine *el, const char *name, const char *help,
                                           unsigned char (*fn)(EditLine *, int)) {
    return el_set(el, EL_ADDFN, name, help, fn);
}

/* EL_BIND: bind one key sequence (e.g. "^I") to a named editor function. */
static inline int closelab_el_bind(EditLine *el, const char *key, const char *function) {
    return el_set(el, EL_BIND, key, function, (const char *)NULL);
}

/* EL_GETCFN: the function el_gets reads each character with. */
static inline int closelab_el_set_getc(EditLine *el, int (*getc)(EditLine *, wchar_t *)) {
    return el_set(el, EL_GETCFN, getc);
}

/* EL_REFRESH: forget what is on the screen and draw the prompt and the line again
 * from the cursor's current position (which must be at the start of a free row). */
static inline int closelab_el_redraw(EditLine *el) {
    return el_set(el, EL_REFRESH);
}

/* ---- el_get ---------------------------------------------------------- */

static inline void *closelab_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    if (el_get(el, EL_CLIENTDATA, &data) != 0)
        return NULL;
    return data;
}

/* ---- history --------------------------------------------------------- */

/* H_SETSIZE, H_SETUNIQUE. */
static inline int closelab_history_int(History *h, HistEvent *ev, int op, int value) {
    return history(h, ev, op, value);
}

/* H_ENTER, H_LOAD, H_SAVE. */
static inline int closelab_history_string(History *h, HistEvent *ev, int op, const char *value) {
    return history(h, ev, op, value);
}

/* H_SAVE_FP. */
static inline int closelab_history_save_fp(History *h, HistEvent *ev, FILE *fp) {
    return history(h, ev, H_SAVE_FP, fp);
}

/* ---- terminal -------------------------------------------------------- */

/* Waits until fd is readable with `mask` as the signal mask meanwhile (pselect swaps it in
 * atomically, so a signal blocked until this call cannot slip in before the wait). FD_SET is a
 * macro Swift cannot use. Returns pselect's result: -1 with errno EINTR after a signal. */
static inline int closelab_wait_readable(int fd, const sigset_t *mask) {
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fd, &set);
    return pselect(fd + 1, &set, NULL, NULL, NULL, mask);
}

/* ioctl is variadic too: columns of the terminal on fd, or -1. */
static inline int closelab_terminal_columns(int fd) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0)
        return -1;
    return (int)ws.ws_col;
}

#endif /* CLOSELAB_CEDITLINE_SHIM_H */
