// glibc's malloc tuning (mallopt), used by the aimc executable at start-up.
#if defined(__linux__) && __has_include(<malloc.h>)
#include <malloc.h>
#endif
