#ifndef AIMC_CBLAS_SHIM_H
#define AIMC_CBLAS_SHIM_H
#include <cblas.h>
/* openblas_set_num_threads is declared by OpenBLAS's cblas.h. */
#endif
