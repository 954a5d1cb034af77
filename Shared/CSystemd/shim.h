#ifndef MAMI_CSYSTEMD_SHIM_H
#define MAMI_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#endif
