#ifndef AIMC_CFFTW_SHIM_H
#define AIMC_CFFTW_SHIM_H
#include <fftw3.h>
/* fftwf_version is an incomplete array and cannot be imported into Swift directly. */
static inline const char *aimc_fftwf_version(void) { return fftwf_version; }
#endif
