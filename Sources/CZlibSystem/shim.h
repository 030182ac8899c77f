#ifndef AIMC_CZLIB_SHIM_H
#define AIMC_CZLIB_SHIM_H
#include <zlib.h>
#endif
