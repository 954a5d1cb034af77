/* The floor: a minimal server on a raw Unix socket that answers each
 * length-prefixed frame with the same frame, one write per answer as a
 * request/response server does. One thread per connection, blocking I/O, no
 * parsing beyond the 4-byte header. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void *serve(void *arg) {
    int fd = (int)(intptr_t)arg;
    size_t cap = 1 << 20, len = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n <= 0) break;
        len += (size_t)n;
        size_t off = 0;
        while (len - off >= 4) {
            uint32_t frame = ((uint32_t)buf[off] << 24) | ((uint32_t)buf[off + 1] << 16) | ((uint32_t)buf[off + 2] << 8) | buf[off + 3];
            if (frame == 0 || frame > cap - 4) { len = 0; off = 0; goto done; }
            if (len - off < 4 + frame) break;
            if (write(fd, buf + off, 4 + frame) != (ssize_t)(4 + frame)) goto done;
            off += 4 + frame;
        }
        if (off > 0) {
            memmove(buf, buf + off, len - off);
            len -= off;
        }
    }
done:
    close(fd);
    free(buf);
    return NULL;
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    if (argc != 2) { fprintf(stderr, "usage: %s SOCKET\n", argv[0]); return 2; }
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    unlink(argv[1]);
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 128) != 0) { perror("bind"); return 1; }
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) continue;
        pthread_t thread;
        pthread_create(&thread, NULL, serve, (void *)(intptr_t)fd);
        pthread_detach(thread);
    }
}
