/* Load generator for framed JSON-RPC over a Unix socket, the same for the
 * floor and for Mami's services.
 *   loadgen latency    SOCKET FRAME_JSON COUNT
 *   loadgen throughput SOCKET FRAME_JSON CONNECTIONS WINDOW SECONDS
 * The frame is sent as is (its "id" is not varied: the answers are counted,
 * not matched). Prints one JSON object. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static unsigned char frame[65536];
static size_t frame_len;
static const char *path;

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int connect_to(void) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { perror("connect"); exit(1); }
    return fd;
}

/* Reads until `want` complete frames have arrived; returns 0 on EOF. */
typedef struct { unsigned char buf[1 << 20]; size_t len; } reader;
static long read_frames(int fd, reader *r, long want) {
    long got = 0;
    while (got < want) {
        ssize_t n = read(fd, r->buf + r->len, sizeof r->buf - r->len);
        if (n <= 0) return got;
        r->len += (size_t)n;
        size_t off = 0;
        while (r->len - off >= 4) {
            uint32_t f = ((uint32_t)r->buf[off] << 24) | ((uint32_t)r->buf[off + 1] << 16) | ((uint32_t)r->buf[off + 2] << 8) | r->buf[off + 3];
            if (r->len - off < 4 + f) break;
            off += 4 + f;
            got++;
        }
        memmove(r->buf, r->buf + off, r->len - off);
        r->len -= off;
    }
    return got;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int latency(long count) {
    int fd = connect_to();
    reader *r = calloc(1, sizeof *r);
    double *samples = malloc(sizeof(double) * count);
    for (long i = -count / 10; i < count; i++) {
        double start = now_us();
        if (write(fd, frame, frame_len) != (ssize_t)frame_len || read_frames(fd, r, 1) != 1) { fprintf(stderr, "connection lost\n"); return 1; }
        if (i >= 0) samples[i] = now_us() - start;
    }
    qsort(samples, count, sizeof(double), cmp);
    double sum = 0;
    for (long i = 0; i < count; i++) sum += samples[i];
    printf("{\"count\":%ld,\"p50_us\":%.1f,\"p99_us\":%.1f,\"mean_us\":%.1f}\n", count,
           samples[count / 2], samples[(long)(count * 0.99)], sum / count);
    return 0;
}

typedef struct { long window; double seconds; long done; } worker;

static void *pump(void *arg) {
    worker *w = arg;
    int fd = connect_to();
    reader *r = calloc(1, sizeof *r);
    unsigned char *batch = malloc(frame_len * w->window);
    for (long i = 0; i < w->window; i++) memcpy(batch + i * frame_len, frame, frame_len);
    if (write(fd, batch, frame_len * w->window) < 0) return NULL;
    double end = now_us() + w->seconds * 1e6;
    while (now_us() < end) {
        long got = read_frames(fd, r, 1);
        if (got <= 0) break;
        w->done += got;
        if (write(fd, batch, frame_len * got) < 0) break;
    }
    close(fd);
    return NULL;
}

static int throughput(int connections, long window, double seconds) {
    pthread_t threads[64];
    worker workers[64] = {0};
    double start = now_us();
    for (int i = 0; i < connections; i++) {
        workers[i].window = window;
        workers[i].seconds = seconds;
        pthread_create(&threads[i], NULL, pump, &workers[i]);
    }
    long total = 0;
    for (int i = 0; i < connections; i++) { pthread_join(threads[i], NULL); total += workers[i].done; }
    double elapsed = (now_us() - start) / 1e6;
    printf("{\"connections\":%d,\"window\":%ld,\"calls\":%ld,\"seconds\":%.2f,\"calls_per_s\":%.0f}\n",
           connections, window, total, elapsed, total / elapsed);
    return 0;
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    if (argc < 5) { fprintf(stderr, "usage: see the comment at the top of loadgen.c\n"); return 2; }
    path = argv[2];
    size_t body = strlen(argv[3]);
    frame[0] = body >> 24; frame[1] = body >> 16; frame[2] = body >> 8; frame[3] = body;
    memcpy(frame + 4, argv[3], body);
    frame_len = body + 4;
    if (strcmp(argv[1], "latency") == 0) return latency(atol(argv[4]));
    if (strcmp(argv[1], "throughput") == 0 && argc == 7) {
        int connections = atoi(argv[4]);
        if (connections < 1 || connections > 64) return 2;
        return throughput(connections, atol(argv[5]), atof(argv[6]));
    }
    fprintf(stderr, "unknown mode\n");
    return 2;
}
